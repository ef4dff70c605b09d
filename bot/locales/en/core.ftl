# Common texts: registration, help, roles, errors.
role-admin = admin
role-manager = manager
role-writer = writer
language-ru = Russian
language-en = English
default-department = General
back = « Back
saved = Saved

cmd-start = get started
cmd-help = what I can do
cmd-settings = language and time zone
cmd-cancel = cancel the current action
cmd-invite = invite a teammate
cmd-members = members and roles
cmd-departments = departments

start-known = Welcome back, { $name }! Commands: /help.
start-registered = Welcome, { $name }! You are registered as { $role } in “{ $department }”. See /help for what you can do.
start-refused = This is a team's work bot and access is by invitation only. Please ask your manager for an invite link.
start-inactive = Your access has been switched off. If this is a mistake, please contact an admin.
start-invite-invalid = There is no such invite. Check the link or ask your manager for a new one.
start-invite-expired = This invite has expired. Please ask your manager for a new link.
start-invite-used = This invite has already been used. Please ask your manager for a new link.

help-title = <b>Commands</b>
help-not-registered = You are not registered yet: open the invite link from your manager.
help-role = Your role: { $role }.

cancel-done = Cancelled.
cancel-nothing = Nothing to cancel.
unknown-command = I didn't understand that. Commands: /help.
flow-use-buttons = Please use the buttons above, or /cancel to leave.
flow-send-text = Please send text, or /cancel to leave.
# the opening and closing quotation marks around a name placed in a sentence (bot.ui.quoted)
quote-marks = “”
list-more = …and { $n } more
button-outdated = This button is outdated. Please open the command again.

error-not-allowed = You are not allowed to use this command.
error-bad-choice = There is no such option. Please open the command again.
error-member-not-found = Member not found.
error-department-not-found = Department not found.
error-department-exists = Department “{ $name }” already exists.
error-department-name-empty = Please give the department a name.
error-too-long = Too long: at most { $limit } { $limit ->
        [one] character
       *[other] characters
    }.
error-cannot-demote-self = You cannot remove your own admin role.
error-cannot-deactivate-self = You cannot switch yourself off.
error-bad-timezone = Unknown time zone “{ $tz }”. Example: Europe/Moscow or Asia/Vladivostok.

invite-pick-role = Whom are you inviting? Pick a role:
invite-pick-department = Role: { $role }. Pick a department:
invite-no-departments = There are no departments you can invite into.
invite-created = The invite is ready: { $role }, department “{ $department }”.
    The link works for { $hours } { $hours ->
        [one] hour
       *[other] hours
    } and for one person:
    { $link }

members-title = <b>Members</b> (total: { $total })
members-line = { $name }{ $username } — { $role }, { $department }
members-line-inactive = <s>{ $name }</s>{ $username } — { $role }, { $department } (switched off)
member-card = <b>{ $name }</b>
    Username: { $username }
    Role: { $role }
    Department: { $department }
    Status: { $status }
    Telegram ID: <code>{ NUMBER($tid, useGrouping: 0) }</code>
member-active = active
member-inactive = switched off
member-change-department = Change department
member-pick-department = Pick the new department:
member-deactivate = Switch off access
member-activate = Restore access

departments-title = <b>Departments</b>
departments-line = { NUMBER($id, useGrouping: 0) }. { $name }
departments-usage = Add: <code>/departments add Name</code>
    Rename: <code>/departments rename number New name</code>
department-added = Department “{ $name }” added (number { NUMBER($id, useGrouping: 0) }).
department-renamed = Department { NUMBER($id, useGrouping: 0) } is now called “{ $name }”.

settings-title = <b>Settings</b>
    Language: { $language }
    Time zone: { $timezone }
    Pick a language or a time zone. Another zone: <code>/settings tz Area/City</code>
settings-timezone-saved = Time zone: { $timezone }.
settings-usage = Example: <code>/settings tz Asia/Vladivostok</code>
error-internal = Something went wrong and nothing was done. Please try again a little later.
invite-used = { $name } joined with your invite: { $role }, department “{ $department }”.

month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
month-year = { $month } { $year }
error-unavailable = The bot is temporarily unavailable: its database or storage is not answering. Nothing was saved; please try again in a few minutes.

# confirmations of destructive taps
confirm-no = No, keep it
confirm-yes-archive = Yes, archive
confirm-yes-deactivate = Yes, switch off
member-deactivate-confirm = Switch off access for <b>{ $name }</b>? The bot stops answering them until access is given back.
# Numbers a user types (bot/parsing.py).
number-invalid = “{ $value }” does not fit: a whole number from { $lo } to { $hi } is needed.
number-out-of-range = “{ $value }” does not fit: a whole number from { $lo } to { $hi } is needed.
