# SMM accounts and weekly statistics: /accounts, /smm, /stats, reminders.
cmd-smm = fill in an account's weekly figures
cmd-stats = SMM accounts' statistics for 8 weeks
cmd-accounts = SMM accounts of projects
smm-network-instagram = Instagram
smm-network-vk = VK
smm-network-telegram = Telegram channel
smm-network-youtube = YouTube
smm-network-tiktok = TikTok
smm-network-other = other network
smm-weekday-0 = Mon
smm-weekday-1 = Tue
smm-weekday-2 = Wed
smm-weekday-3 = Thu
smm-weekday-4 = Fri
smm-weekday-5 = Sat
smm-weekday-6 = Sun
smm-field-followers = Followers
smm-field-posts = Posts
smm-field-likes = Likes
smm-field-comments = Comments
smm-field-saves = Saves
smm-field-shares = Shares
smm-field-reach = Reach
smm-field-views = Views
smm-field-interactions = Interactions
smm-account-line = { NUMBER($id, useGrouping: 0) }. <b>{ $name }</b> · “{ $project }” · { $network } { $handle } · by { $who } · week ends: { $weekday }{ $archived ->
        [yes] {" "}· archived
       *[no] {""}
    }{ $channel ->
        [admin] {" "}· the bot counts subscribers
        [removed] {" "}· ⚠️ the bot was removed from the channel
       *[none] {""}
    }
smm-accounts-title = <b>SMM accounts</b>: { $n }
smm-accounts-empty = No accounts yet.
smm-accounts-usage = Add: <code>/accounts add &lt;project number&gt; &lt;network&gt; &lt;handle or link&gt; &lt;@responsible&gt; [week ends on: mon…sun] [start date YYYY-MM-DD]</code>
    For example: <code>/accounts add 3 instagram @brand.shop @anna sun</code>
    Networks: instagram, vk, telegram, youtube, tiktok, other.
    Rename: <code>/accounts rename &lt;number&gt; &lt;name&gt;</code> · reassign: <code>/accounts reassign &lt;number&gt; &lt;@username&gt;</code> · archive: <code>/accounts archive &lt;number&gt;</code> · restore: <code>/accounts restore &lt;number&gt;</code>
smm-account-added = Account added.
smm-account-exists-saved = This command has already added this account.
smm-account-not-found = There is no account number { NUMBER($id, useGrouping: 0) }.
smm-account-exists = The project already has this account ({ $handle }).
smm-account-archived = Account “{ $name }” is archived: its figures are not collected.
smm-member-not-found = Member “{ $ref }” not found: give an @username or a number from /members.
smm-member-out-of-scope = { $name } is not in your departments: you cannot make them responsible.
smm-project-not-found = There is no project “{ $ref }” (or it is archived). Project numbers are in /approval.
smm-network-unknown = Unknown network “{ $text }”. Use one of: { $networks }.
smm-handle-invalid = This does not look like a { $network } account. Example: { $example }
smm-handle-wrong-network = The link does not point to { $network }. Example: { $example }
smm-handle-long = The link is too long. Example: { $example }
smm-weekday-invalid = “{ $text }” is not a weekday: mon, tue, wed, thu, fri, sat or sun.
smm-date-invalid = “{ $text }” is not a date: use YYYY-MM-DD or DD.MM.YYYY.
smm-name-empty = The name cannot be empty.
smm-usage = The week's form: <code>/smm</code> (your accounts) or <code>/smm &lt;account number&gt; [a day of the week YYYY-MM-DD]</code> to correct a past week.
smm-no-accounts = You have no SMM accounts.
smm-pick-account = Pick an account:
smm-week-invalid = The week of { $day } cannot be filled in: the account's latest ended week ends on { $last }.
smm-form-head = <b>Figures for the week { $first }–{ $last }</b>
    { $name } · “{ $project }”
smm-form-reminder = <b>Reminder: no figures for the week { $first }–{ $last }</b>
    { $name } · “{ $project }”
smm-form-line = { $mark }{ $field }: <b>{ $value }</b>
smm-form-line-hint = { $mark }{ $field }: <b>{ $value }</b> (last week: { $hint })
smm-form-saved-before = This week is filled in already: new values replace the old ones (which stay in the audit log).
smm-form-how = Tap a figure and send a number, or paste one line: <code>followers 12 340 likes 1 200 comments 85 saves 140 reach 25 000</code>. Interactions are computed when not given.
smm-form-taken = Values taken: { $n }. Check them and press “Save”.
smm-form-expired = This form is out of date: open it again with /smm.
smm-enter-value = Send the number for “{ $field }” (0 to { $hi }). Spaces between digit groups are fine.
smm-btn-save = 💾 Save
smm-btn-sure = Yes, save
smm-btn-back = « Correct
smm-are-you-sure = <b>Are you sure?</b>
    { $warnings }
smm-warn-followers-jump = • followers moved by more than 50% in a week;
smm-warn-reach-zero = • reach is 0 but there are likes;
smm-warn-engagement-over-reach = • likes, comments, saves and shares are more than 10 times the reach.
smm-saved = ✅ Saved.
smm-saved-short = Saved
smm-corrected = ✅ Values corrected: { $n } (the previous ones are in the audit log).
smm-nothing-to-save = Nothing to save: enter the values first.
smm-value-invalid = { $field }: “{ $value }” is not a number. A whole number 0 to { $hi } is needed.
smm-value-range = { $field }: “{ $value }” is out of range: 0 to { $hi }.
smm-line-empty = No figures found. Example: <code>followers 12 340 likes 1 200 reach 25 000</code>
smm-line-start = “{ $value }” has no figure name before it. Example: <code>followers 12 340 likes 1 200</code>
smm-line-unknown = “{ $word }” is not a figure. Figures: followers, posts, likes, comments, saves, shares, reach, views, interactions.
smm-line-twice = { $field }: given twice.
smm-line-no-value = { $field }: no value.
smm-col-week = week
smm-col-followers = follow.
smm-col-growth = growth
smm-col-er = ER
smm-col-reach = reach
smm-stats-missing = — no report —
smm-stats-title = <b>{ $name }</b> · “{ $project }” · { $network }: the last 8 weeks
smm-stats-summary = Week to { $week }: ER by reach { $er }, by followers { $erf }, growth { $growth } ({ $pct }), 4-week average ER { $avg }.
smm-stats-usage = <code>/stats</code>, <code>/stats &lt;account number&gt;</code> or <code>/stats all</code>.
smm-stats-pick = Pick an account:
smm-chart-er = ER by reach, %
smm-chart-missing = no report
smm-chart-no-data = No data
smm-all-title = <b>Accounts: the latest week</b> ({ $n }; flagged: { $flagged }; a fall of more than { $share }% or no report)
smm-all-line = { NUMBER($id, useGrouping: 0) }. { $name } · “{ $project }” · { $who } · to { $week }: ER { $er }, growth { $growth } ({ $pct })
smm-all-line-flagged = ⚠️ { NUMBER($id, useGrouping: 0) }. { $name } · “{ $project }” · { $who } · to { $week }: ER { $er }, growth { $growth } ({ $pct }) — { $marks }
smm-flag-missing = no report
smm-flag-er = ER fell
smm-flag-reach = reach fell
smm-flag-followers = followers fell
smm-remind-manager = ⚠️ { $name } has not sent the figures of “{ $account }” (“{ $project }”) for the week to { $week }.
smm-channel-added = The bot is now an administrator of the channel “{ $title }”: it counts the subscribers of { $name } itself.
smm-channel-removed = ⚠️ The bot was removed from the channel “{ $title }”: the subscribers of { $name } must be typed in again.
smm-import-which = To import a sheet, open the account's form (/smm) or put the account's number in the file's caption.
smm-import-type = “{ $name }”: a CSV or XLSX file is needed.
smm-import-too-big = The file is over { $mb } MB: the bot cannot download that much. Split the sheet.
smm-import-too-many = The file has more than { $n } { $n ->
    [one] row
   *[other] rows
  }: split the sheet.
smm-import-unreadable = “{ $name }” cannot be read as a sheet.
smm-import-reading = Reading “{ $name }”…
smm-import-checking = Checking rows: { $n }…
smm-import-refused = <b>The file was not imported</b>: nothing was saved. Problems: { $n }
smm-import-error-header = No header row: a “Week” or “Date” column and figure columns (followers, likes, reach…) are needed.
smm-import-error-date = Row { $row }, “{ $column }”: “{ $value }” is not a date.
smm-import-error-future = Row { $row }, “{ $column }”: the week to { $value } has not ended yet.
smm-import-error-twice = Row { $row }, “{ $column }”: { $value } is repeated.
smm-import-error-empty = Row { $row }: no figure at all.
smm-import-error-number = Row { $row }, “{ $column }”: “{ $value }” is not a whole number.
smm-import-error-range = Row { $row }, “{ $column }”: “{ $value }” is out of range (0 to 1,000,000,000).
smm-import-conflicts = Weeks in the file: { $rows }. { $n } of them have figures already: { $weeks }. Replace them? (The previous values stay in the audit log.)
smm-import-btn-replace = Replace
smm-import-btn-cancel = Cancel
smm-import-cancelled = Import cancelled: nothing was saved.
smm-import-expired = This import is out of date: send the file again.
smm-import-done = ✅ Imported: { $created } new weeks, { $replaced } replaced.
smm-team-title = <b>SMM: the responsible members' reports, { $month } { NUMBER($year, useGrouping: 0) }</b>
smm-team-line = { $name }: accounts { $accounts }, weeks { $due }: on time { $on_time }, late { $late }, missing { $missing }; ER change (median) { $er }
smm-export-usage = <code>/export smm YYYY-MM</code>: every account's weeks of the month with the metrics (CSV and XLSX).
smm-export-empty = No account figures for { $month } { NUMBER($year, useGrouping: 0) }.
smm-export-caption = SMM, { $month } { NUMBER($year, useGrouping: 0) }: { $n } { $n ->
    [one] week
   *[other] weeks
  } (CSV and XLSX).
smm-col-export-project = Project
smm-col-export-account = Account
smm-col-export-network = Network
smm-col-export-handle = Handle
smm-col-export-responsible = Responsible
smm-col-export-week-end = Week end
smm-col-export-followers = Followers
smm-col-export-posts = Posts
smm-col-export-likes = Likes
smm-col-export-comments = Comments
smm-col-export-saves = Saves
smm-col-export-shares = Shares
smm-col-export-reach = Reach
smm-col-export-views = Views
smm-col-export-interactions = Interactions (given)
smm-col-export-interactions-total = Interactions
smm-col-export-er-reach = ER by reach
smm-col-export-er-followers = ER by followers
smm-col-export-growth = Follower growth
smm-col-export-growth-pct = Growth, share
smm-digest-title = <b>SMM, the week to { $week }</b>: { $on_time } of { $total } { $total ->
        [one] account
       *[other] accounts
    } reported on time
smm-digest-on-time = On time: { $names }
smm-digest-late = Late: { $names }
smm-digest-chart-cut = The chart shows { $shown } of { $total } { $total ->
        [one] account
       *[other] accounts
    }: the best, the worst, the falls and the missing first.
smm-digest-chart-title = SMM: ER by reach, the week to { $week }
smm-chart-er-prev = the week before
smm-chart-up = ER up
smm-chart-down = ER not up
smm-chart-fell = a fall over the threshold
# /settings → “Digests”: where the weekly SMM section goes
digest-settings-smm = Weekly SMM section: { $place }
digest-smm-with_weekly = inside the weekly digest
digest-smm-own = as its own message
digest-smm-weekly-off = (the weekly digest is off: the section comes as its own message)
digest-btn-smm = SMM section: { $place }
smm-digest-missing = No report: { $names }
smm-digest-best = <b>Best movers</b> (ER change):
smm-digest-worst = <b>Worst movers</b>:
smm-digest-falls = <b>Falls</b> over the threshold:
smm-digest-line = • { $name } · “{ $project }” · { $who }: ER { $er } ({ $change })

# the weekly figures of an account to its project's clients (scheduler, kind smm_client)
smm-client-head = 📊 <b>{ $name }</b> ({ $project }), week { $start }–{ $end }
smm-client-followers = Followers: { $n } ({ $growth } over the week)
smm-client-reach = Reach: { $n } ({ $change } on the week before)
smm-client-interactions = Interactions: { $n } ({ $change })
smm-client-er = ER by reach: { $er } ({ $change })
smm-client-by = Reported by { $name }

# python -m bot digest --preview --kind weekly: the manager gets the weekly SMM section as its own message
digest-preview-smm-own = { $name }: the weekly SMM section comes as its own message (their choice in /settings → Digests):
digest-preview-smm-weekly-off = { $name }: the weekly digest is switched off, so the weekly SMM section comes as its own message:
