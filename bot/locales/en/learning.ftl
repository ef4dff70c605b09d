# The knowledge base and courses: /kb, /kb_new, /kb_categories, inline search, freshness; /courses, /learn, /learning.
cmd-kb = knowledge base: browse, /kb words to search
cmd-kb-categories = knowledge base categories
cmd-kb-new = write a knowledge base article
cmd-learn = my courses and lessons
cmd-learning = the team's course progress
cmd-courses = courses: lessons and questions
cmd-course-new = create a course
cmd-course-import = import a course from a Markdown file
cmd-course-assign = assign a course to a person or department
cmd-course-auto = give a course automatically at registration

kb-article-head = <b>{ $title }</b>
    <i>{ $category } · checked on { $checked } · #{ $id }</i>
kb-archived-mark = <i>archived</i>
kb-no-category = Without a category
kb-browse = 📚 <b>Knowledge base</b>. Pick a category, or search: /kb words.
kb-category-title = <b>{ $name }</b>: { $n } articles.
kb-category-empty = <b>{ $name }</b>: no articles yet.
kb-search-title = 🔎 “{ $query }”: { $n } best matches.
kb-search-line = { $n }. { $title }
kb-search-none = Nothing found for “{ $query }”. Try other words.
kb-stale-title = ⏰ <b>Articles past their review date</b>: { $n }
kb-stale-line = #{ $id } { $title } — review was due { $due } (checked on { $checked })
kb-stale-none = Every article is within its review date.
kb-categories-title = <b>Categories</b>: { $n }
kb-category-line = • { $name }
kb-categories-usage = Add one: /kb_categories add Name
kb-category-added = Category “{ $name }” added.
kb-category-bad = A category needs a name of at most { $n } { $n ->
    [one] character
   *[other] characters
  }.
kb-category-exists = Category “{ $name }” already exists.
kb-new-title = New article. Send its title (one line).
kb-title-bad = The title must be 1 to { $n } { $n ->
    [one] character
   *[other] characters
  }. Nothing was saved; send another title.
kb-new-body = “{ $title }”. Now send the text: one or more messages. Formatting (bold, italic, links, lists, code, quotes) is kept; photos and documents are attached. Press Done when finished.
kb-body-added = Added: { $parts } text message(s), { $files } attachment(s). Send more or press Done.
kb-body-kind = Send text, a photo or a document.
kb-body-many = An article takes at most { $n } messages.
kb-body-empty = The article has no text yet: send at least one message.
kb-body-long = The text is too long: at most { $n } { $n ->
    [one] character
   *[other] characters
  }. Nothing was saved.
kb-btn-done = Done
kb-btn-save = Save
kb-new-category = Pick the category.
kb-new-audience = Who may read “{ $title }”? Everyone, or pick roles and departments. Then Save.
kb-aud-all = Everyone in the team
kb-saved = Saved: article #{ $id } “{ $title }”.
kb-form-over = This form is over. Start again with /kb_new.
kb-not-found = There is no such article, or it is not for you.
kb-btn-edit = Edit
kb-btn-move = Move
kb-btn-archive = Archive
kb-btn-unarchive = Restore
kb-edit-body = Editing “{ $title }”. Send the new text (one or more messages) and press Done; the previous text is kept.
kb-edited = “{ $title }” updated (version { $version }).
kb-move-pick = Move “{ $title }” to:
kb-moved = “{ $title }” moved.
kb-archived = “{ $title }” archived.
kb-restored = “{ $title }” restored.
kb-checked = Thank you: “{ $title }” is marked correct; next review on { $until }.
kb-checked-already = “{ $title }” is already checked; next review on { $until }.
kb-stale-remind = ⏰ Your article “{ $title }” is due for review (last checked on { $checked }). Is it still correct?
kb-btn-still-correct = Still correct
kb-btn-edit-it = Edit

courses-none = No courses yet. Create one: /course_new Title, or /course_import.
courses-title = <b>Courses</b>: { $n }
courses-line = #{ $id } { $title } — { $lessons } lessons
courses-usage = Assign: /course_assign id @username|department [YYYY-MM-DD]. Automatic at registration: /course_auto id writer|manager|off [department].
course-new-usage = Give the course a title: /course_new Title
course-not-found = There is no such course.
course-card = <b>{ $title }</b> (#{ $id }) · pass mark { $mark }% · learners: { $learners }
course-card-auto = Given automatically to every new { $role }.
course-card-lesson = { $n }. { $title } — questions: { $questions }
course-card-empty = No lessons yet: add articles as lessons.
course-btn-add-lesson = ➕ Lesson
course-btn-add-question = ❓ Question
course-pick-article = Pick the article for the next lesson of “{ $title }”.
course-pick-lesson = Which lesson of “{ $title }” gets the question?
course-enter-question = Send the question like this:
    What is a content plan?
    - [ ] a wrong answer
    - [x] the right answer
    &gt; an explanation (optional)
course-question-refused = The question was not added. Problems: { $n }
course-question-added = Question added.
course-lesson-exists = “{ $title }” is a lesson of this course already.
course-lessons-many = A course takes at most { $n } lessons.
course-import-send = Send the course as a Markdown file (or paste it): # course title, ## lesson titles, lesson text, ### questions with answers as - [ ] / - [x]. See docs/learning.md.
course-imported = Course imported.
course-file-big = The file is too large: at most { $kb } KB.
course-file-encoding = The file must be UTF-8 text.
course-file-refused = The course file was not imported, nothing was saved. Problems: { $n }
course-file-error = line { $line }: { $problem }
course-md-no-title = the file must start with the course title: # Title
course-md-second-title = a second course title (# …); lessons start with ##
course-md-course-title = the course title must be 1 to { $n } { $n ->
    [one] character
   *[other] characters
  }
course-md-lesson-title = a lesson title must be 1 to { $n } { $n ->
    [one] character
   *[other] characters
  }
course-md-lesson-empty = the lesson has no text
course-md-lesson-long = the lesson text is longer than { $n } { $n ->
    [one] character
   *[other] characters
  }
course-md-lessons-many = more than { $n } lessons
course-md-no-lessons = no lessons (## Lesson title)
course-md-text-before-lesson = text before the first lesson (## Lesson title)
course-md-question-outside-lesson = a question (###) before the first lesson
course-md-question-empty = the question has no text
course-md-question-long = the question is longer than { $n } { $n ->
    [one] character
   *[other] characters
  } (as Telegram counts them: an emoji is two)
course-md-options-few = a quiz needs at least { $n } answers (- [ ] …)
course-md-options-many = a quiz takes at most { $n } answers
course-md-no-right = no right answer marked with - [x]
course-md-many-right = more than one answer marked right
course-md-option-bad = an answer must be 1 to { $n } { $n ->
    [one] character
   *[other] characters
  } (as Telegram counts them: an emoji is two)
course-md-explanation-long = the explanation is longer than { $n } { $n ->
    [one] character
   *[other] characters
  } (as Telegram counts them: an emoji is two)
course-md-explanation-lines = an explanation (&gt; …) has at most { $n } { $n ->
    [one] line
   *[other] lines
}
course-md-stray-text = text inside a question: only answers (- [ ] / - [x]) and an explanation (&gt; …)
course-md-pass-mark = the pass mark must be a number from 1 to 100
course-md-reason = unknown revision reason “{ $reason }” (known: { $known })
course-empty = The course has no lessons yet.
course-deadline-past = The deadline is in the past.
course-assign-usage = /course_assign course_id @username|department [deadline YYYY-MM-DD]
course-assigned = Assigned to { $n } new learner(s); they have been told.
course-auto-usage = /course_auto course_id writer|manager|off [department]
course-auto-set = “{ $title }”: given automatically at registration to: { $role }.
course-deadline = Deadline: { $date }.
course-enrolled = 🎓 You have a new course: “{ $title }”. { $deadline } Start with the first lesson:
course-btn-open = Open the lesson
course-lesson-head = 🎓 “{ $course }”, lesson { $n } of { $of }
course-lesson-next-quiz = When you have read it, take the quiz.
course-lesson-next-read = When you have read it, press Read.
course-btn-quiz = Take the quiz ({ $n })
course-btn-read = ✅ Read
course-btn-next = Next lesson
course-btn-reread = Read the lesson again
course-lesson-locked = This lesson opens when the previous ones are passed.
course-lesson-done = This lesson is already passed.
course-lesson-has-quiz = This lesson is passed by its quiz.
course-read-first = Read the lesson again before retaking the quiz.
course-read-done = ✅ Read.
course-quiz-started = The quiz: { $n } question(s). Answer each one.
course-lesson-passed = 🎉 Lesson { $n } passed: { $correct } of { $questions }. The next lesson is open.
course-lesson-read = Lesson { $n } done. The next lesson is open.
course-lesson-failed = Lesson { $n }: { $correct } of { $questions }, the pass mark is { $mark }%. Read the lesson again and retake the quiz.
course-finished = 🏁 Course “{ $title }” passed! Last quiz: { $correct } of { $questions }.
course-nudge = 🎓 “{ $title }” is waiting for you: lesson { $lesson } of { $lessons }.
course-overdue-manager = ⏰ { $name } has not finished “{ $title }” by the deadline { $date } (lesson { $lesson } of { $lessons }).

learn-none = You have no courses yet.
learn-title = 🎓 <b>My courses</b>
learn-course = <b>{ $title }</b> — { $status }, lesson { $lesson } of { $lessons }
learn-current = Now: { $title }
learn-scores = Quiz scores by lesson: { $scores }
learn-btn-continue = Continue: { $title }
learn-status-not_started = not started
learn-status-in_progress = in progress
learn-status-passed = passed
learn-status-failed = quiz failed
learn-status-overdue = overdue
learning-none = Nobody in your departments is on a course.
learning-title = 🎓 <b>Course progress</b>
learning-course = <b>{ $title }</b>
learning-line = • { $name } — { $status } (lesson { $lesson } of { $lessons })

digest-learning = Courses: { $passed } passed, { $progress } in progress, { $failed } quiz failed, { $overdue } overdue, { $idle } not started.
team-course-offer = 🎓 { $name }: revisions mostly “{ $reason }” — course “{ $course }” teaches it.
team-course-offer-btn = Assign “{ $course }” to { $name }
