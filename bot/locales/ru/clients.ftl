# The client cabinet: the client role, approval in Telegram, /pending, /projects for clients, /approval.
role-client = клиент
cmd-pending = что ждёт моего решения
cmd-client-projects = мои проекты и цифры месяца
cmd-approval = кто согласует проекты: клиент или команда
help-client = Когда команда отправит материал на согласование, вы получите его карточку с кнопками «Согласовать» и «Нужны правки».
start-registered-client = Добро пожаловать, { $name }! Вы подключены как клиент проектов: { $projects }. Материалы на согласование будут приходить сюда. Что можно делать — /help.
start-client-added = { $name }, к вашим проектам добавлены: { $projects }. Материалы на согласование будут приходить сюда.
start-client-invite-team = Эта ссылка — приглашение для клиента, а вы уже в команде: ничего не изменилось. Передайте ссылку клиенту.
invite-used-client = { $name } открыл(а) приглашение и подключён(а) как клиент проектов: { $projects }.
client-not-available = Эта команда доступна только команде агентства. Ваши команды: /pending, /projects, /settings, /help.
invite-no-projects = Нет проектов, к которым вы можете пригласить клиента.
invite-pick-projects = Выберите проекты клиента (можно несколько). Выбрано: { $n }.
invite-client-make = Создать ссылку ({ $n })
invite-client-created = Приглашение клиента готово, проекты: { $projects }.
    Ссылка (одно использование, действует { $hours } ч):
    { $link }
client-card-head = <b>На согласование #{ NUMBER($id, useGrouping: 0) }</b> · «{ $project }» · { $stream }
client-card-reminder = <b>Напоминание: ждёт вашего решения #{ NUMBER($id, useGrouping: 0) }</b> · «{ $project }» · { $stream }
client-card-title-link = { $title }
    { $link }
client-card-link = { $link }
client-card-title = { $title }
client-card-sent = Отправлено: { $at }
client-card-author = Автор: { $name }
client-btn-approve = ✅ Согласовать
client-btn-changes = ✏️ Нужны правки
client-btn-approve-n = ✅ #{ NUMBER($id, useGrouping: 0) }
client-btn-changes-n = ✏️ #{ NUMBER($id, useGrouping: 0) }
client-approved-done = Согласовано. Спасибо!
client-decision-approved = ✅ Вы согласовали этот материал.
client-no-reason = Без причины
client-pick-reason = Что не так? Выберите причину (или «Без причины»), затем напишите комментарий.
client-enter-comment = Напишите комментарий для автора: что исправить (не меньше { $n } { $n ->
        [one] буквы
       *[other] букв
    }). Отменить — /cancel.
client-changes-done = Правки по #{ NUMBER($id, useGrouping: 0) } переданы команде. Спасибо!
client-comment-short = Комментарий слишком короткий: нужно не меньше { $n } { $n ->
        [one] буквы
       *[other] букв
    }. Напишите подробнее, что исправить.
client-unit-unavailable = Этот материал вам недоступен.
client-unit-deleted = Этот материал удалён командой: решение по нему не нужно.
client-already-decided = По этому материалу решение уже принято.
client-mode-team = Этот проект согласует команда: решение в боте не требуется.
client-told-approved = ✅ Клиент { $client } согласовал #{ NUMBER($id, useGrouping: 0) } «{ $title }» («{ $project }»).
client-told-changes = ✏️ Клиент { $client } просит правки по #{ NUMBER($id, useGrouping: 0) } «{ $title }» («{ $project }»).
    Причина: { $reason }
    Комментарий: { $comment }
    Срок реакции: { $due }
client-told-changes-manager = ✏️ Клиент { $client } просит правки по #{ NUMBER($id, useGrouping: 0) } «{ $title }» («{ $project }»), автор { $author }.
    Причина: { $reason }
    Комментарий: { $comment }
unit-client-approves = Этот проект согласует клиент в боте: отметить «согласовано» за него может только руководитель автора.
pending-title = <b>Ждут вашего решения</b>: { $n }
pending-empty = Сейчас ничего не ждёт вашего решения.
client-projects-none = У вас пока нет проектов.
client-projects-title = <b>Ваши проекты, { $month } { NUMBER($year, useGrouping: 0) }</b>
client-projects-line = «{ $name }»: отправлено на согласование { $sent }, согласовано { $approved }, ждут решения { $waiting }, правок { $revisions }, среднее время решения { $hours } ч
approval-title = <b>Согласование проектов</b>
approval-line = { NUMBER($id, useGrouping: 0) }. «{ $name }» — { $mode }, клиентов: { $clients }{ $authors ->
        [yes] , авторы видны клиенту
       *[no] {""}
    }
approval-empty = Нет проектов, которыми вы управляете.
approval-usage = Изменить: <code>/approval номер client</code> (согласует клиент в боте), <code>/approval номер team</code> (отмечает команда), <code>/approval номер authors on|off</code> (показывать клиенту автора).
approval-saved = «{ $name }»: { $mode }{ $authors ->
        [yes] , автор виден клиенту
       *[no] , автор клиенту не показывается
    }.
approval-mode-client = согласует клиент в боте
approval-mode-team = отмечает команда
members-clients = Клиенты
clients-title = <b>Клиенты</b> (всего: { $total })
clients-line = { $name }{ $username }{ $active ->
        [yes] {""}
       *[no] {" "}(отключён)
    }
client-admin-card = <b>{ $name }</b> ({ $username }), клиент
    Проекты: { $projects }
    Статус: { $status }
client-admin-remove = ✕ Убрать «{ $name }»
client-admin-add = ➕ Добавить проект
client-admin-pick-project = Выберите проект, который добавить клиенту.
team-project-client = ; от клиента в боте правок { $revisions }, среднее время решения клиента { $hours } ч
client-waiting-manager = ⏳ #{ NUMBER($id, useGrouping: 0) } «{ $title }» («{ $project }», автор { $name }) ждёт решения клиента уже { $hours } { $hours ->
        [one] час
        [few] часа
       *[many] часов
    }.
cmd-client-report = отчёт клиенту за месяц (PDF): /client_report номер ГГГГ-ММ
month-invalid = «{ $text }» — не месяц. Пример: 2026-11.
client-report-usage = Отчёт клиенту: <code>/client_report номер_проекта [ГГГГ-ММ]</code> (по умолчанию — прошлый месяц). Номера проектов — в /approval.
client-report-title = Отчёт по проекту «{ $project }», { $month }
client-report-approved = Согласовано (сдано) единиц: { $n }
client-report-stream = · { $stream }: { $n }
client-report-waiting = Ждут решения сейчас: { $n }
client-report-revisions = Правок: { $n }
client-report-reason = · { $reason }: { $n }
client-report-avg = Среднее время решения клиента: { $hours } ч
client-report-chart = Согласовано по неделям (неделя с понедельника)
client-report-smm = Соцсети (неделя — по её последнему дню; ER — вовлечённость по охвату):
client-report-smm-account = { $name }: подписчиков на конец месяца { $followers }, прирост за месяц { $growth }
client-report-smm-week = · неделя до { $end }: подписчики { $followers } ({ $growth }), охват { $reach }, взаимодействия { $interactions }, ER { $er }
client-report-smm-missing = · нет данных за недели до: { $weeks }
client-report-smm-none = · недель этого месяца пока нет
client-report-more = … и ещё строк: { $n } — они в PDF
client-report-pdf = PDF-отчёт — в следующем сообщении: его можно переслать.
client-report-btn = 📄 Отчёт за { $month }: { $project }
digest-client-title = <b>Клиенты в боте</b> (правки, среднее время решения)
digest-client-line = «{ $name }»: правок { $revisions }, решение в среднем за { $hours } ч
