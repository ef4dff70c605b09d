# Отчёты о контенте: единицы, правки, планы, темп.
cmd-report = отчитаться о единице контента
cmd-mine = мои единицы за месяц или период
cmd-me = мой план, темп и правки
cmd-away = мои выходные и отпуск
cmd-team = команда: план, темп, правки
cmd-plan = планы на месяц
cmd-projects = клиентские проекты
cmd-streams = направления контента

help-report-usage = <b>Отчёт одной строкой:</b> <code>/report направление "Проект" Название или ссылка</code>
    Пример: <code>/report smm "Клиент Х" Пост о запуске</code> (направление — код или название по-русски или по-английски, проект — точное название; название из нескольких слов — в кавычках: <code>/report "Репутационный контент" Gamma Отзыв</code>).
    Период для /mine и /away: <code>2026-11-01..2026-11-15</code> или <code>01.11-15.11</code> (без года — текущий год; через Новый год — с годами: <code>28.12.2026-05.01.2027</code>).


state-written = написана
state-sent = на согласовании
state-revision = в правках
state-approved = согласована
state-deleted = удалена

reason-factual = Фактическая ошибка
reason-style = Стиль или тон
reason-brief = Неясное ТЗ
reason-client_changed = Клиент передумал
reason-typos = Опечатки
reason-other = Другое

report-usage = Не понял строку отчёта. Формат: <code>/report направление "Проект" Название или ссылка</code>
    Пример: <code>/report smm "Клиент Х" Пост о запуске</code>
report-unknown-stream = Нет направления «{ $stream }». Есть: { $valid }.
report-unknown-project = Нет проекта «{ $project }». Есть:
    { $valid }
report-no-projects = Пока нет ни одного проекта. Попросите руководителя добавить его: <code>/projects add Название</code>.
report-title-empty = Пришлите название или ссылку.
report-bad-link = «{ $link }» не похоже на ссылку. Пример: <code>https://vk.com/wall-1_23</code>
report-title-too-long = Название слишком длинное: { $length } { $length ->
        [one] символ
        [few] символа
        [many] символов
       *[other] символа
    }, можно не больше { $limit }.
report-pick-stream = Новая единица. Выберите направление:
report-pick-project = Направление: { $stream }. Выберите проект:
report-filter = Поиск «{ $query }»: { $n ->
    [one] найден { $n } проект
    [few] найдено { $n } проекта
   *[many] найдено { $n } проектов
}.
report-filter-hint = Проектов много — напишите часть названия, и я отфильтрую список.
report-enter-content = Направление: { $stream }, проект «{ $project }».
    Пришлите название единицы или ссылку на неё (до { $limit } { $limit ->
        [one] символа
       *[other] символов
    }). Отменить — /cancel.
report-confirm = <b>Проверьте:</b>
    Направление: { $stream }
    Проект: { $project }
    Название: { $title }
    Ссылка: { $link }
report-btn-save = Сохранить
report-btn-cancel = Отмена
report-saved = Единица сохранена.

unit-head = <b>#{ NUMBER($id, useGrouping: 0) }</b> · { $stream } · «{ $project }»
unit-title = { $title }
unit-link = { $link }
unit-title-link = { $title }
    { $link }
unit-state = Статус: { $state }; правок: { $revisions }
unit-revision-open = Правка: { $reason }; срок — { $due }
unit-revision-overdue = ⚠️ Срок реакции на правку прошёл.
unit-btn-send = Отправлена на согласование
unit-btn-rev = Получена правка
unit-btn-fix = Правка внесена
unit-btn-approve = Согласована
unit-btn-edit = Изменить
unit-btn-del = Удалить
unit-btn-delok = Да, удалить
unit-moved = Готово: { $state }
unit-already = Уже отмечено: { $state }
unit-deleted = Единица удалена
unit-not-found = Единица не найдена.
unit-bad-transition = Так нельзя: единица сейчас в статусе «{ $state ->
    [written] написана
    [sent] на согласовании
    [revision] в правках
    [approved] согласована
   *[deleted] удалена
}».
unit-edit-window = Изменять и удалять единицу автор может в течение { $hours } { $hours ->
        [one] часа
       *[other] часов
    } после отчёта; позже — только руководитель.
unit-enter-edit = Пришлите новое название или ссылку для #{ NUMBER($id, useGrouping: 0) } (до { $limit } { $limit ->
        [one] символа
       *[other] символов
    }). Отменить — /cancel.
unit-delete-confirm = Удалить эту единицу? Она пропадёт из статистики; запись об удалении сохранится.
revision-pick-reason = Какая правка пришла?
revision-enter-other = Опишите правку одним сообщением. Отменить — /cancel.
revision-other-empty = Опишите правку текстом.

mine-title = <b>Мои единицы</b> { $first } – { $last }: { $total }
mine-count = { $state }: { $n }
mine-empty = Единиц за этот период нет. Отчитаться — /report.
mine-group = <b>{ $state }</b>
mine-line = #{ NUMBER($id, useGrouping: 0) } { $title } — { $project }{ $overdue ->
    [yes] {" "}⚠️ правка просрочена
   *[no] {""}
}

date-error-format = Не понял даты. Пример: <code>2026-11-01..2026-11-15</code> или <code>01.11-15.11</code>.
date-error-invalid-date = Такой даты нет. Пример: <code>2026-11-01..2026-11-15</code>.
date-error-order = Начало периода позже конца: { $first } – { $last }. Период через Новый год пишите с годами: <code>28.12.2026-05.01.2027</code>.
date-error-too-long = Период длиннее года. Пример: <code>2026-11-01..2026-11-15</code>.

me-title = <b>Мой { $month } { NUMBER($year, useGrouping: 0) }</b>: сделано { $done } из { $plan } ({ $percent } %)
me-stream = • { $stream }: { $done } из { $plan }
me-states = Написано { $written }, на согласовании { $sent }, в правках { $revision }, согласовано { $approved }
me-pace-behind = Темп: к сегодня ожидалось { $expected }, отставание { $units } { $units ->
        [one] единица
        [few] единицы
        [many] единиц
       *[other] единицы
    } ({ $days } { $days ->
        [one] день
        [few] дня
        [many] дней
       *[other] дня
    })
me-pace-ahead = Темп: к сегодня ожидалось { $expected }, опережение { $units } { $units ->
        [one] единица
        [few] единицы
        [many] единиц
       *[other] единицы
    } ({ $days } { $days ->
        [one] день
        [few] дня
        [many] дней
       *[other] дня
    })
me-pace-on = Темп: к сегодня ожидалось { $expected } — точно по плану
me-forecast = Прогноз на конец месяца: { $forecast }; нужно в день: { $needed } (осталось рабочих дней: { $left } из { $total })
me-no-plan = План на этот месяц не задан.
me-revisions = Правок: { $revisions }, на единицу { $rate } (медиана команды { $median })

team-title = <b>Команда, { $month } { NUMBER($year, useGrouping: 0) }</b> ({ $n } чел.), медиана правок на единицу: { $median }
team-line = { $i }. { $name } — { $done }/{ $plan } ({ $percent } %), отставание { $lag } { $lag ->
        [one] день
        [few] дня
        [many] дней
       *[other] дня
    }, правок/ед. { $rate }
team-flag = {" "}⚠️ правок больше на { $change } %
team-flag-new = {" "}⚠️ правки появились (в прошлом месяце их не было)
team-legend = Сделано — отправленные на согласование. Отставание в днях планового темпа; минус — опережение.
team-empty = Пока пусто.
team-usage = Пример: <code>/team</code> или <code>/team projects</code>
team-projects-title = <b>Проекты, { $month } { NUMBER($year, useGrouping: 0) }</b> (правок на единицу в среднем: { $rate })
team-project-line = { $flag ->
    [yes] ⚠️{" "}
   *[no] {""}
}{ $name }: единиц { $units }, правок { $revisions }, на единицу { $rate }
team-projects-more = …и ещё { $n }

away-list = Ваши выходные в этом и следующем месяце: { $days }
away-usage = Добавить: <code>/away 2026-11-10..2026-11-14</code>
    Убрать: <code>/away clear 2026-11-10..2026-11-14</code>
    Руководитель за сотрудника: <code>/away @username 2026-11-10..2026-11-14</code>
away-saved = { $name }: выходные { $first } – { $last } отмечены (новых дней: { $n }).
away-removed = { $name }: выходные { $first } – { $last } сняты (дней: { $n }).
member-unknown = Не нашёл сотрудника «{ $who }» среди ваших. Укажите @username или полное имя.
member-ambiguous = «{ $who }» — таких несколько; укажите @username.

plan-pick-month = На какой месяц план?
plan-bad-month = План можно задать на текущий или следующий месяц.
plan-bad-number = «{ $value }» — не подходит: нужно целое число от 0 до { $max }.
plan-board-title = <b>Планы на { $month }</b>
plan-board-streams = Направления: { $streams }
plan-board-line = { $name }: { $values }
plan-board-empty = Нет сотрудников в ваших отделах.
plan-paste-hint = Нажмите на сотрудника, чтобы задать число, или пришлите строки вида <code>@username { $example }</code> или <code>Имя Фамилия { $example }</code> — числа по направлениям по порядку. Скопировать прошлый месяц — <code>/plan copy</code>.
plan-paste-empty = Пришлите строки вида <code>@anna 40</code> или <code>Анна Петрова 25 12</code>.
plan-paste-saved = Планы сохранены: для { $members } { $members ->
        [one] сотрудника
       *[other] сотрудников
    }, { $values } { $values ->
        [one] значение
        [few] значения
        [many] значений
       *[other] значения
    }.
plan-paste-failed = Ничего не сохранено: ошибок в строках — { $n }. Исправьте и пришлите все строки снова.
plan-fail-format = Строка { $no } «{ $line }»: нужно имя или @username и числа.
plan-fail-numbers = Строка { $no } «{ $line }»: чисел больше, чем направлений.
plan-fail-range = Строка { $no } «{ $line }»: план — целое число от 0 до 1000.
plan-fail-unknown = Строка { $no } «{ $line }»: не нашёл «{ $who }» среди ваших сотрудников.
plan-fail-ambiguous = Строка { $no } «{ $line }»: «{ $who }» — таких несколько, укажите @username.
plan-fail-duplicate = Строка { $no } «{ $line }»: «{ $who }» уже был выше.
plan-fail-more = …и ещё строк с ошибками: { $n }
plan-copied = План на { $month }: скопировано из прошлого месяца { $copied }, уже было задано { $kept }.
plan-member = <b>{ $name }</b>, план на { $month }. Выберите направление:
plan-enter-number = { $name }, { $stream }, { $month }: пришлите план числом от 0 до { $max }. Отменить — /cancel.

projects-title = <b>Проекты</b> (всего: { $n })
projects-line = { NUMBER($id, useGrouping: 0) }. { $name }{ $archived ->
    [yes] {" "}(в архиве)
   *[no] {""}
}
projects-btn-archive = В архив:
projects-btn-restore = Вернуть:
projects-usage = Добавить: <code>/projects add Название</code>
    Переименовать: <code>/projects rename номер Новое название</code>
    В архив: <code>/projects archive номер</code>
projects-added = Проект «{ $name }» добавлен (номер { NUMBER($id, useGrouping: 0) }).
projects-renamed = Проект { NUMBER($id, useGrouping: 0) } теперь называется «{ $name }».
projects-archived = Проект «{ $name }» в архиве.
projects-exists = Проект «{ $name }» уже есть.
projects-not-found = Проекта с номером { NUMBER($id, useGrouping: 0) } нет.

streams-title = <b>Направления</b>
streams-line = <code>{ $code }</code> — { $name_ru } / { $name_en }
streams-usage = Добавить: <code>/streams add код Название | Name</code>
    Переименовать: <code>/streams rename код Название | Name</code>
streams-saved = Направление <code>{ $code }</code>: { $name_ru } / { $name_en }.
streams-bad-code = Код — латиницей, 2–32 символа: буквы, цифры, «_». Пример: <code>video</code>
streams-exists = Направление с кодом { $code } уже есть.
streams-not-found = Нет направления с кодом { $code }.
projects-archive-confirm = Отправить проект «{ $name }» в архив? Его больше нельзя будет выбрать в /report; вернуть можно из /projects.
plan-btn-last-month = Как в прошлом месяце ({ $month }): { $value }
streams-line-archived = <code>{ $code }</code> — { $name_ru } / { $name_en } (в архиве)
streams-archive-confirm = Отправить направление <code>{ $code }</code> «{ $name }» в архив? Его больше нельзя будет выбрать в /report и в планах; вернуть можно из /streams.
unit-btn-undo = ↩ Отменить последнее изменение
unit-undone = Отменено: снова { $state }
unit-undo-gone = Отменять нечего: это изменение уже отменено или после него было другое.
unit-undo-expired = { $minutes ->
    [one] Изменение можно отменить в течение { $minutes } минуты.
    [few] Изменение можно отменить в течение { $minutes } минут.
   *[many] Изменение можно отменить в течение { $minutes } минут.
}
mine-back = « К списку
