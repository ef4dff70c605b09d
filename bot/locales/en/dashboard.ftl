cmd-dashboard = team dashboard (Mini App)
dashboard-intro = <b>Team dashboard</b>: plan, done, expected by today and lag per person, revisions per project and ratings — the same numbers as /team and /ratings. Open it with the button below.
dashboard-open = Open the dashboard
dashboard-no-url = The dashboard is not set up: the administrator needs to set WEB_BASE_URL, the HTTPS address of the bot's web server (see README).
dashboard-menu = Dashboard
