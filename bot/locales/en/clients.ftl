# The client cabinet: the client role, approval in Telegram, /pending, /projects for clients, /approval.
role-client = client
cmd-pending = what waits for my decision
cmd-client-projects = my projects and this month's figures
cmd-approval = who approves projects: the client or the team
help-client = When the team sends content for approval, you get its card with "Approve" and "Request changes" buttons.
start-registered-client = Welcome, { $name }! You are connected as a client of: { $projects }. Content for approval will arrive here. What you can do: /help.
start-client-added = { $name }, these projects were added to yours: { $projects }. Content for approval will arrive here.
start-client-invite-team = This link invites a client, and you are on the team already: nothing changed. Please pass the link to the client.
invite-used-client = { $name } opened the invite and is now a client of: { $projects }.
client-not-available = This command is for the agency's team only. Your commands: /pending, /projects, /settings, /help.
invite-no-projects = There are no projects you may invite a client to.
invite-pick-projects = Pick the client's projects (one or more). Picked: { $n }.
invite-client-make = Create the link ({ $n })
invite-client-created = The client invite is ready, projects: { $projects }.
    Link (one use, valid for { $hours } h):
    { $link }
client-card-head = <b>For approval #{ NUMBER($id, useGrouping: 0) }</b> · “{ $project }” · { $stream }
client-card-reminder = <b>Reminder: waiting for your decision #{ NUMBER($id, useGrouping: 0) }</b> · “{ $project }” · { $stream }
client-card-title-link = { $title }
    { $link }
client-card-link = { $link }
client-card-title = { $title }
client-card-sent = Sent: { $at }
client-card-author = Author: { $name }
client-btn-approve = ✅ Approve
client-btn-changes = ✏️ Request changes
client-btn-approve-n = ✅ #{ NUMBER($id, useGrouping: 0) }
client-btn-changes-n = ✏️ #{ NUMBER($id, useGrouping: 0) }
client-approved-done = Approved. Thank you!
client-decision-approved = ✅ You approved this content.
client-no-reason = No reason
client-pick-reason = What is wrong? Pick a reason (or "No reason"), then write a comment.
client-enter-comment = Write a comment for the author: what to change (at least { $n } { $n ->
        [one] letter
       *[other] letters
    }). To cancel: /cancel.
client-changes-done = Your changes to #{ NUMBER($id, useGrouping: 0) } went to the team. Thank you!
client-comment-short = The comment is too short: at least { $n } { $n ->
        [one] letter is
       *[other] letters are
    } needed. Please say what to change.
client-unit-unavailable = This content is not available to you.
client-unit-deleted = The team deleted this content: no decision is needed.
client-already-decided = A decision on this content has already been made.
client-mode-team = The team approves this project: no decision is needed in the bot.
client-told-approved = ✅ Client { $client } approved #{ NUMBER($id, useGrouping: 0) } “{ $title }” (“{ $project }”).
client-told-changes = ✏️ Client { $client } requests changes to #{ NUMBER($id, useGrouping: 0) } “{ $title }” (“{ $project }”).
    Reason: { $reason }
    Comment: { $comment }
    React by: { $due }
client-told-changes-manager = ✏️ Client { $client } requests changes to #{ NUMBER($id, useGrouping: 0) } “{ $title }” (“{ $project }”), author { $author }.
    Reason: { $reason }
    Comment: { $comment }
unit-client-approves = The client approves this project in the bot: only the author's manager may mark it approved for them.
pending-title = <b>Waiting for your decision</b>: { $n }
pending-empty = Nothing waits for your decision now.
client-projects-none = You have no projects yet.
client-projects-title = <b>Your projects, { $month } { NUMBER($year, useGrouping: 0) }</b>
client-projects-line = “{ $name }”: sent for approval { $sent }, approved { $approved }, waiting { $waiting }, revisions { $revisions }, average time to decision { $hours } h
approval-title = <b>Project approval</b>
approval-line = { NUMBER($id, useGrouping: 0) }. “{ $name }” — { $mode }, clients: { $clients }{ $authors ->
        [yes] , authors shown to the client
       *[no] {""}
    }
approval-empty = There are no projects you manage.
approval-usage = Change: <code>/approval number client</code> (the client approves in the bot), <code>/approval number team</code> (the team marks it), <code>/approval number authors on|off</code> (show the author to the client).
approval-saved = “{ $name }”: { $mode }{ $authors ->
        [yes] , the author is shown to the client
       *[no] , the author is not shown to the client
    }.
approval-mode-client = the client approves in the bot
approval-mode-team = the team marks it
members-clients = Clients
clients-title = <b>Clients</b> (total: { $total })
clients-line = { $name }{ $username }{ $active ->
        [yes] {""}
       *[no] {" "}(switched off)
    }
client-admin-card = <b>{ $name }</b> ({ $username }), client
    Projects: { $projects }
    Status: { $status }
client-admin-remove = ✕ Remove “{ $name }”
client-admin-add = ➕ Add a project
client-admin-pick-project = Pick a project to add to the client.
team-project-client = ; by the client in the bot: revisions { $revisions }, the client's average time to decision { $hours } h
client-waiting-manager = ⏳ #{ NUMBER($id, useGrouping: 0) } “{ $title }” (“{ $project }”, by { $name }) has been waiting for the client's decision for { $hours } { $hours ->
        [one] hour
       *[other] hours
    }.
cmd-client-report = the monthly client report (PDF): /client_report number YYYY-MM
month-invalid = “{ $text }” is not a month. Example: 2026-11.
client-report-usage = Client report: <code>/client_report project_number [YYYY-MM]</code> (the previous month by default). Project numbers are in /approval.
client-report-title = Report for project “{ $project }”, { $month }
client-report-approved = Approved (delivered) units: { $n }
client-report-stream = · { $stream }: { $n }
client-report-waiting = Waiting for a decision now: { $n }
client-report-revisions = Revisions: { $n }
client-report-reason = · { $reason }: { $n }
client-report-avg = The client's average time to decision: { $hours } h
client-report-chart = Approved by week (weeks start on Monday)
client-report-smm = Social accounts (weeks named by their last day; ER: engagement by reach):
client-report-smm-account = { $name }: followers at the month's end { $followers }, growth over the month { $growth }
client-report-smm-week = · week to { $end }: followers { $followers } ({ $growth }), reach { $reach }, interactions { $interactions }, ER { $er }
client-report-smm-missing = · no figures for the weeks to: { $weeks }
client-report-smm-none = · no weeks of this month yet
client-report-more = … and { $n } more lines: see the PDF
client-report-pdf = The PDF report follows: it can be forwarded.
client-report-btn = 📄 Report for { $month }: { $project }
digest-client-title = <b>Clients in the bot</b> (revisions, average time to decision)
digest-client-line = “{ $name }”: revisions { $revisions }, decisions in { $hours } h on average
