# Ratings between departments: /rate, /ratings, /export ratings, /rating_policies, /rating_campaign.
cmd-rate = rate how tasks are set
cmd-ratings = my ratings and the dashboard
cmd-export = export: /export ratings 2026-11
cmd-rating-policies = who rates whom
cmd-rating-campaign = send the monthly rating forms


rating-mode-open = open
rating-mode-anonymous = anonymous
rating-mode-aggregate = aggregate only
rating-cadence-per_task = per task
rating-cadence-monthly = monthly
rating-cadence-both = per task and monthly

# /rate
rating-nothing-to-rate = There is nobody for you to rate: no ratings are set up for your department. If that is a mistake, ask an admin.
rating-pick-person = <b>Rate how tasks are set</b> — { $month }.
    Whom are you rating?
rating-ask-task = Rating: <b>{ $name }</b>.
    Which task? Send its name or a link.
rating-ask-task-optional = Rating: <b>{ $name }</b>.
    Send the task's name or a link — or press “Monthly rating” to rate the month as a whole.
rating-button-no-task = Monthly rating, no task
rating-task-empty = Send the task's name or a link to it.
rating-pick-score = How well did <b>{ $name }</b> set the task? Score from 1 to 5:
rating-task = Task: { $task }
rating-already = You already gave { $score } — a new rating replaces it.
rating-ask-comment = Score { $score } for <b>{ $name }</b>.
    Below 5, say why: what was wrong with how the task was set? At least { $letters } { $letters ->
        [one] letter
       *[other] letters
    }.
rating-ask-comment-optional = A 5 for <b>{ $name }</b>! Add a comment if you like — or press “No comment”.
rating-button-no-comment = No comment
rating-comment-required = A score below 5 needs a comment: say what exactly was wrong. A dash or a dot won't do.
rating-comment-too-short = Too short: describe what was wrong in at least { $letters } { $letters ->
        [one] letter
       *[other] letters
    }.
rating-comment-too-long = The comment is too long: at most { $limit } { $limit ->
        [one] character
       *[other] characters
    }.
rating-confirm = Please check: <b>{ $name }</b> — score { $score }.
rating-your-comment = Comment: { $comment }
rating-button-save = Save
rating-button-cancel = Cancel
rating-saved = Rating saved: <b>{ $name }</b> — { $score } ({ $month }).
rating-updated = Rating changed: <b>{ $name }</b> — { $score } ({ $month }).
rating-can-change = You can change it until the month ends: /rate again.
rating-cancelled = Rating cancelled, nothing was saved.
rating-use-buttons = Choose with the buttons under the message, or /cancel.
rating-form-expired = This form is already closed or saved. To rate again — /rate.

rating-error-self = You cannot rate yourself.
rating-error-not-in-policy = You cannot rate this person: your department's rating rules don't cover them.
rating-error-task-required = Your department rates this person per task. Start again: /rate.
rating-error-no-task = Your department rates this person monthly, without a task. Start again: /rate.
rating-error-period = I don't understand the month “{ $text }”. Example: 2026-11 or 11.2026.
rating-error-period-closed = This month is closed: it no longer takes ratings.
rating-error-policy-exists = This rule already exists: open it in the list and change it.
rating-error-policy-not-found = Rule not found.

# notifications to the rated person
rating-notify-open = <b>{ $rater }</b> rated how you set a task: { $score }.
    Task: { $task }
    Comment: { $comment }
rating-notify-anonymous = You received a rating: { $score }.
    Comment: { $comment }
    All ratings — /ratings.
rating-notify-threshold = Enough ratings for { $month } (at least { $k } { $k ->
        [one] person has
       *[other] different people have
    } rated you): your average and comments are in /ratings.

# /ratings
rating-results-title = <b>Your ratings</b> — { $month }
rating-no-policy = Nobody rates your department yet.
rating-policy-from = <b>Rated by “{ $department }”</b> ({ $mode })
rating-hidden = Results appear once at least { $k } { $k ->
        [one] person has
       *[other] different people have
    } rated you.
rating-none-yet = No ratings yet.
rating-average = Average: <b>{ $average }</b> (ratings: { $count })
rating-distribution = Distribution: { $dist }
rating-comment-line = • { $score }: { $comment }
rating-comment-open = • { $score }: { $comment } — { $rater }
rating-more-comments = …and { $count } more { $count ->
        [one] comment
       *[other] comments
    }
rating-given-title = <b>Your ratings of colleagues</b> (only you see this)
rating-given-line = • { $name }: { $score }
rating-dashboard-title = <b>Ratings dashboard</b> — { $month }
rating-dashboard-empty = No rating rules for your departments.
rating-dept-line = <b>{ $department }</b>: average { $average } (ratings: { $count })
rating-trend = By month: { $trend }
rating-person-line = • { $name }: { $average } (ratings: { $count })
rating-person-hidden = • { $name }: rated by fewer than { $k } { $k ->
        [one] person
       *[other] people
    } — results hidden
rating-person-title = <b>{ $name }</b> — { $month }
rating-top-title = <b>Bonus leaderboard</b> — { $month } (at least { $min } { $min ->
        [one] rating
       *[other] ratings
    })
rating-top-empty = Nobody has enough ratings yet.
rating-top-line = { $rank }. { $name } — { $average } (ratings: { $count })
rating-rater-unknown = hidden

# /export
rating-export-usage = Example: <code>/export ratings 2026-11</code>
rating-export-caption = Ratings for { $month }: { $count } { $count ->
        [one] row
       *[other] rows
    }. Raters are named only under open rules.

# /rating_policies
rating-policies-title = <b>Rating rules</b> (threshold for “aggregate only”: { $k } { $k ->
        [one] rater
       *[other] raters
    })
rating-policies-empty = No rules yet.
rating-policy-line = “{ $rater }” rates “{ $rated }”: { $cadence }, { $mode } — { $status }
rating-policy-on = active
rating-policy-off = paused
rating-policy-add = + Add a rule
rating-policy-card = { $line }

    <b>Open</b>: the rated person sees who rated.
    <b>Anonymous</b>: scores and comments are visible, raters are not — not even to managers.
    <b>Aggregate only</b>: the average and comments show once at least { $k } { $k ->
        [one] person has
       *[other] different people have
    } rated a person in the month.
rating-policy-pause = Pause
rating-policy-resume = Resume
rating-policy-pick-rater = Which department gives the ratings?
rating-policy-pick-rated = “{ $rater }” rates the people of which department?
rating-policy-pick-cadence = When to rate?
rating-policy-pick-mode = How anonymous? (“Aggregate only” shows results once at least { $k } { $k ->
        [one] person has
       *[other] different people have
    } rated a person.)

# /rating_campaign
rating-form = <b>Rating for { $month }</b>
    How did { $name } ({ $department }) set your tasks this month? Score from 1 to 5. The form is open until the month ends.
rating-campaign-done = Forms sent: { $count } ({ $month }). A form already filled or still open is not sent again.
rating-form-reminder = <b>Reminder: rating for { $month }</b>
    You have not yet rated how { $name } ({ $department }) set your tasks. Score 1 to 5; the form is open until the end of the month.
rating-export-empty = There are no ratings visible to you for { $month }: nothing to export.
