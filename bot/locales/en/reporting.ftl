# Content reporting: units, revisions, plans, pace.
cmd-report = report a content unit
cmd-mine = my units this month or in a period
cmd-me = my plan, pace and revisions
cmd-away = my days off and vacation
cmd-team = team: plan, pace, revisions
cmd-plan = monthly plans
cmd-projects = client projects
cmd-streams = content streams

help-report-usage = <b>Report in one line:</b> <code>/report stream "Project" Title or link</code>
    Example: <code>/report smm "Client X" Post about the launch</code> (stream: its code or its Russian or English name; project: its exact name; a name of several words goes in quotes: <code>/report "Reputation content" Gamma Review</code>).
    Periods for /mine and /away: <code>2026-11-01..2026-11-15</code> or <code>01.11-15.11</code> (no year: this year; across New Year give the years: <code>28.12.2026-05.01.2027</code>).


state-written = written
state-sent = sent for approval
state-revision = in revision
state-approved = approved
state-deleted = deleted

reason-factual = Factual error
reason-style = Style or tone
reason-brief = Unclear brief
reason-client_changed = Client changed their mind
reason-typos = Typos
reason-other = Other

report-usage = I could not read that report. Format: <code>/report stream "Project" Title or link</code>
    Example: <code>/report smm "Client X" Post about the launch</code>
report-unknown-stream = There is no stream “{ $stream }”. Streams: { $valid }.
report-unknown-project = There is no project “{ $project }”. Projects:
    { $valid }
report-no-projects = There are no projects yet. Ask a manager to add one: <code>/projects add Name</code>.
report-title-empty = Send a title or a link.
report-bad-link = “{ $link }” does not look like a link. Example: <code>https://example.com/post/1</code>
report-title-too-long = The title is too long: { $length } { $length ->
        [one] character
       *[other] characters
    }, the limit is { $limit }.
report-pick-stream = New unit. Choose the stream:
report-pick-project = Stream: { $stream }. Choose the project:
report-filter = Search “{ $query }”: { $n ->
    [one] { $n } project
   *[other] { $n } projects
}.
report-filter-hint = Many projects: type part of a name and I will filter the list.
report-enter-content = Stream: { $stream }, project “{ $project }”.
    Send the unit's title or a link to it (up to { $limit } { $limit ->
        [one] character
       *[other] characters
    }). Cancel: /cancel.
report-confirm = <b>Please check:</b>
    Stream: { $stream }
    Project: { $project }
    Title: { $title }
    Link: { $link }
report-btn-save = Save
report-btn-cancel = Cancel
report-saved = Unit saved.

unit-head = <b>#{ NUMBER($id, useGrouping: 0) }</b> · { $stream } · “{ $project }”
unit-title = { $title }
unit-link = { $link }
unit-title-link = { $title }
    { $link }
unit-state = State: { $state }; revisions: { $revisions }
unit-revision-open = Revision: { $reason }; due { $due }
unit-revision-overdue = ⚠️ The revision is overdue.
unit-btn-send = Sent for approval
unit-btn-rev = Revision received
unit-btn-fix = Revision done
unit-btn-approve = Approved
unit-btn-edit = Edit
unit-btn-del = Delete
unit-btn-delok = Yes, delete
unit-moved = Done: { $state }
unit-already = Already recorded: { $state }
unit-deleted = Unit deleted
unit-not-found = Unit not found.
unit-bad-transition = Not possible: the unit is { $state ->
    [written] written
    [sent] sent for approval
    [revision] in revision
    [approved] approved
   *[deleted] deleted
}.
unit-edit-window = The author may edit or delete a unit within { $hours } { $hours ->
        [one] hour
       *[other] hours
    } of reporting it; later only a manager can.
unit-enter-edit = Send the new title or link for #{ NUMBER($id, useGrouping: 0) } (up to { $limit } { $limit ->
        [one] character
       *[other] characters
    }). Cancel: /cancel.
unit-delete-confirm = Delete this unit? It leaves the statistics; the deletion is recorded.
revision-pick-reason = What kind of revision?
revision-enter-other = Describe the revision in one message. Cancel: /cancel.
revision-other-empty = Describe the revision in text.

mine-title = <b>My units</b> { $first } – { $last }: { $total }
mine-count = { $state }: { $n }
mine-empty = No units in this period. Report one: /report.
mine-group = <b>{ $state }</b>
mine-line = #{ NUMBER($id, useGrouping: 0) } { $title } — { $project }{ $overdue ->
    [yes] {" "}⚠️ revision overdue
   *[no] {""}
}

date-error-format = I could not read the dates. Example: <code>2026-11-01..2026-11-15</code> or <code>01.11-15.11</code>.
date-error-invalid-date = There is no such date. Example: <code>2026-11-01..2026-11-15</code>.
date-error-order = The period starts after it ends: { $first } – { $last }. For a period across New Year give the years: <code>28.12.2026-05.01.2027</code>.
date-error-too-long = The period is longer than a year. Example: <code>2026-11-01..2026-11-15</code>.

me-title = <b>My { $month } { NUMBER($year, useGrouping: 0) }</b>: done { $done } of { $plan } ({ $percent }%)
me-stream = • { $stream }: { $done } of { $plan }
me-states = Written { $written }, sent for approval { $sent }, in revision { $revision }, approved { $approved }
me-pace-behind = Pace: { $expected } expected by today, behind by { $units } { $units ->
        [one] unit
       *[other] units
    } ({ $days } { $days ->
        [one] day
       *[other] days
    })
me-pace-ahead = Pace: { $expected } expected by today, ahead by { $units } { $units ->
        [one] unit
       *[other] units
    } ({ $days } { $days ->
        [one] day
       *[other] days
    })
me-pace-on = Pace: { $expected } expected by today — exactly on plan
me-forecast = Month-end forecast: { $forecast }; needed per day: { $needed } (working days left: { $left } of { $total })
me-no-plan = No plan is set for this month.
me-revisions = Revisions: { $revisions }, per unit { $rate } (team median { $median })

team-title = <b>Team, { $month } { NUMBER($year, useGrouping: 0) }</b> ({ $n ->
    [one] { $n } person
   *[other] { $n } people
}), median revisions per unit: { $median }
team-line = { $i }. { $name } — { $done }/{ $plan } ({ $percent }%), lag { $lag } { $lag ->
        [one] day
       *[other] days
    }, revisions/unit { $rate }
team-flag = {" "}⚠️ revisions up { $change }%
team-flag-new = {" "}⚠️ revisions appeared (none last month)
team-legend = Done means sent for approval. Lag is in days of planned pace; negative means ahead.
team-empty = Nothing yet.
team-usage = Example: <code>/team</code> or <code>/team projects</code>
team-projects-title = <b>Projects, { $month } { NUMBER($year, useGrouping: 0) }</b> (average revisions per unit: { $rate })
team-project-line = { $flag ->
    [yes] ⚠️{" "}
   *[no] {""}
}{ $name }: units { $units }, revisions { $revisions }, per unit { $rate }
team-projects-more = …and { $n } more

away-list = Your days off this month and next: { $days }
away-usage = Add: <code>/away 2026-11-10..2026-11-14</code>
    Remove: <code>/away clear 2026-11-10..2026-11-14</code>
    A manager for a member: <code>/away @username 2026-11-10..2026-11-14</code>
away-saved = { $name }: days off { $first } – { $last } recorded (new days: { $n }).
away-removed = { $name }: days off { $first } – { $last } removed (days: { $n }).
member-unknown = No member “{ $who }” among yours. Use @username or the full name.
member-ambiguous = Several members are called “{ $who }”; use @username.

plan-pick-month = Plans for which month?
plan-bad-month = Plans can be set for the current or the next month.
plan-bad-number = “{ $value }” does not fit: a whole number from 0 to { $max } is needed.
plan-board-title = <b>Plans for { $month }</b>
plan-board-streams = Streams: { $streams }
plan-board-line = { $name }: { $values }
plan-board-empty = There are no members in your departments.
plan-paste-hint = Press a member to set a number, or send lines like <code>@username { $example }</code> or <code>First Last { $example }</code> — numbers per stream in order. Copy last month: <code>/plan copy</code>.
plan-paste-empty = Send lines like <code>@anna 40</code> or <code>Anna Petrova 25 12</code>.
plan-paste-saved = Plans saved: { $members } { $members ->
        [one] member
       *[other] members
    }, { $values } { $values ->
        [one] value
       *[other] values
    }.
plan-paste-failed = Nothing saved: { $n ->
    [one] { $n } line has an error. Fix it
   *[other] { $n } lines have errors. Fix them
} and send all lines again.
plan-fail-format = Line { $no } “{ $line }”: a name or @username and numbers are needed.
plan-fail-numbers = Line { $no } “{ $line }”: more numbers than streams.
plan-fail-range = Line { $no } “{ $line }”: a plan is a whole number from 0 to 1000.
plan-fail-unknown = Line { $no } “{ $line }”: no member “{ $who }” among yours.
plan-fail-ambiguous = Line { $no } “{ $line }”: several members are called “{ $who }”; use @username.
plan-fail-duplicate = Line { $no } “{ $line }”: “{ $who }” appeared above already.
plan-fail-more = …and { $n ->
    [one] { $n } more line
   *[other] { $n } more lines
} with errors
plan-copied = Plans for { $month }: { $copied } copied from last month, { $kept } were already set.
plan-member = <b>{ $name }</b>, plan for { $month }. Choose the stream:
plan-enter-number = { $name }, { $stream }, { $month }: send the plan as a number from 0 to { $max }. Cancel: /cancel.

projects-title = <b>Projects</b> (total: { $n })
projects-line = { NUMBER($id, useGrouping: 0) }. { $name }{ $archived ->
    [yes] {" "}(archived)
   *[no] {""}
}
projects-btn-archive = Archive:
projects-btn-restore = Restore:
projects-usage = Add: <code>/projects add Name</code>
    Rename: <code>/projects rename number New name</code>
    Archive: <code>/projects archive number</code>
projects-added = Project “{ $name }” added (number { NUMBER($id, useGrouping: 0) }).
projects-renamed = Project { NUMBER($id, useGrouping: 0) } is now called “{ $name }”.
projects-archived = Project “{ $name }” archived.
projects-exists = Project “{ $name }” already exists.
projects-not-found = There is no project number { NUMBER($id, useGrouping: 0) }.

streams-title = <b>Streams</b>
streams-line = <code>{ $code }</code> — { $name_ru } / { $name_en }
streams-usage = Add: <code>/streams add code Название | Name</code>
    Rename: <code>/streams rename code Название | Name</code>
streams-saved = Stream <code>{ $code }</code>: { $name_ru } / { $name_en }.
streams-bad-code = A code is 2–32 Latin letters, digits or “_”. Example: <code>video</code>
streams-exists = A stream with code { $code } already exists.
streams-not-found = There is no stream with code { $code }.
projects-archive-confirm = Archive the project “{ $name }”? It can no longer be picked in /report; restore it from /projects.
plan-btn-last-month = Same as last month ({ $month }): { $value }
streams-line-archived = <code>{ $code }</code> — { $name_ru } / { $name_en } (archived)
streams-archive-confirm = Archive the stream <code>{ $code }</code> “{ $name }”? It can no longer be picked in /report or in plans; restore it from /streams.
unit-btn-undo = ↩ Undo the last change
unit-undone = Undone: { $state } again
unit-undo-gone = Nothing to undo: this change was already undone or another one followed it.
unit-undo-expired = { $minutes ->
    [one] A change can be undone within { $minutes } minute.
   *[other] A change can be undone within { $minutes } minutes.
}
mine-back = « To the list
