# Digests, lag warnings, reminders.
cmd-digest = team digest now

chart-plan = Plan
chart-done = Done
chart-behind = Behind pace
chart-expected = Expected by today
chart-units = Units
chart-today = Today
chart-day = Day of month
chart-rate-axis = Revisions per unit
chart-rating-axis = Average rating
chart-na = n/a
chart-no-data = No data
chart-count = n={ $count }
chart-plan-title = Plan and done, { $period }
chart-cumulative-title = Done, cumulative, { $period }
chart-revisions-title = Revisions per unit, { $period }
chart-ratings-title = Peer ratings, { $period }


digest-daily-title = <b>Digest for { $period }</b>
digest-weekly-title = <b>Week { $period }</b>
digest-monthly-title = <b>Month results: { $period }</b>
digest-team-today = Team: { $done } of { $plan }, { $expected } expected by today.
digest-team-month = Team: { $done } of { $plan } this month.
digest-week-done = Done last week: { $units }.
digest-chart-cut = Charts show { $shown } of { $total } (most behind first).
digest-behind-title = <b>Behind pace ({ $count }):</b>
digest-behind-line = • { $name } — { $days } { $days ->
        [one] day
       *[other] days
    } behind, needs { $per_day } a day
digest-behind-line-nodays = • { $name } — { $days } { $days ->
        [one] day
       *[other] days
    } behind, no working days left
digest-on-track = Everyone is on track.
digest-missed-title = <b>Missed the plan ({ $count }):</b>
digest-missed-line = • { $name } — { $done } of { $plan }
digest-all-met = Everyone met the plan.
digest-quality-title = <b>Noticeably more revisions:</b>
digest-quality-line = • { $name } — { $rate } per unit (was { $prev })
digest-ratings-title = <b>Peer ratings:</b>
digest-rating-line = • { $name } — { $average } ({ $count } { $count ->
        [one] rating
       *[other] ratings
    })
digest-more = … and { $count } more
digest-nothing = No plans in your departments yet — nothing to show.
digest-not-now = A digest is already being prepared, please wait a moment.

lag-member = This month seems a bit tough: you are { $days } { $days ->
        [one] day
       *[other] days
    } behind pace ({ $done } of { $plan } done). To make it, about { $per_day } a day is needed. If something is in the way, tell your manager — we will sort it out together.
lag-manager = ⚠️ { $name } is { $days } { $days ->
        [one] day
       *[other] days
    } behind pace: { $done } of { $plan } done, needs { $per_day } a day to make it.
remind-report = A reminder: nothing reported today yet. If you did something, please send a report.
revision-overdue-writer = The revision to “{ $title }” has been waiting { $hours } { $hours ->
        [one] hour
       *[other] hours
    }. Please take a look when you can.
revision-overdue-manager = The revision to “{ $title }” ({ $name }) has been waiting { $hours } { $hours ->
        [one] hour
       *[other] hours
    }.

settings-digests = Digests
digest-settings-title = <b>Digests</b>
    Daily (working days): { $daily }
    Weekly (Monday): { $weekly }
    Monthly (first working day): { $monthly }
    Time: { $time } ({ $tz })
    Another time: <code>/digest time 08:30</code>
digest-on = yes
digest-off = no
digest-btn-daily = Daily: { $state }
digest-btn-weekly = Weekly: { $state }
digest-btn-monthly = Monthly: { $state }
digest-time-saved = Digests will arrive at { $time } ({ $tz }).
digest-usage = Digest now: <code>/digest</code>. Time: <code>/digest time 09:00</code>. Which ones — /settings → “Digests”.
digest-bad-time = “{ $text }” is not a time. Use hours and minutes, 00:00–23:59: <code>/digest time 08:30</code>.
digest-send-failed = The digest could not be sent. Please try again in a minute.
chart-on-track = On track
chart-ahead = Ahead of pace
chart-final-behind = Plan missed
chart-final-ahead = Plan met
digest-daily-final = The month has just begun: here is how { $month } ended.
