# Лиды: карточка, воронка, передача в продажи, товары и этапы.
cmd-lead = новый лид или карточка лида: /lead 12
cmd-leads = мои открытые лиды по этапам
cmd-funnel = воронка лидов и конверсия
cmd-products = каталог товаров и услуг
cmd-funnel-stages = этапы воронки

stage-dialogue = Диалог
stage-warm = Тёплый лид
stage-application = Заявка
stage-handed = Передан в продажи
stage-won = Успешно
stage-lost = Отказ

lost-price = Цена
lost-no_answer = Перестал отвечать
lost-competitor = Выбрал конкурента
lost-not_target = Не наш клиент
lost-other = Другое

lead-ask-name = Новый лид. Пришлите ФИО человека (или /cancel).
lead-ask-contacts = Контакты: { $name }. Пришлите телефон, Instagram (ник или ссылку) или почту — можно несколько в одном сообщении, например: +7 916 123-45-67 @anna.sm
lead-ask-product = Товар или услуга:
lead-no-product = Без товара
lead-product-picked = Товар: { $product }
lead-product-none = Без товара.
lead-ask-source = Откуда пришёл человек (аккаунт, реклама, рекомендация)? Пришлите коротко текстом или нажмите кнопку.
lead-no-source = Без источника
lead-source-none = Без источника.
lead-confirm = <b>Сохранить лида?</b>
    ФИО: { $name }
    Контакты: { $contacts }
    Товар: { $product }
    Источник: { $source }
    Заметка: { $note }
lead-save = 💾 Сохранить
lead-cancel = Отмена
lead-saved = ✅ Лид сохранён.
lead-duplicate = ⚠️ Этот человек уже есть среди лидов (совпал телефон, Instagram или почта) — вот его карточка. Новый лид не создан.
lead-cancelled = Отменено, ничего не сохранено.
lead-offer = Завести лида <b>{ $name }</b>? Сообщение станет заметкой:
    { $note }
lead-offer-go = ➕ Завести лида
lead-forward-not-person = Это переслано из канала или группы, а не от человека — лид заводится на человека. Перешлите сообщение из переписки с клиентом.
lead-forward-not-text = Лида можно завести из текстового сообщения. Перешлите текст клиента (файл, фото или стикер не станут заметкой).
lead-usage = Как пользоваться: /lead (форма), /lead Анна Смирнова +7 916 123-45-67 @anna.sm (одной строкой), /lead 12 (карточка), /lead 12 заметка текст, /lead forget 12 (админы).
lead-forget-usage = Как пользоваться: /lead forget 12
lead-forgot = Персональные данные лида #{ NUMBER($id, useGrouping: 0) } стёрты; обезличенная история по воронке сохранена.

lead-bad-phone = Это не номер телефона. Пример: { $example }. Ничего не сохранено.
lead-bad-email = Это не адрес почты. Пример: { $example }. Ничего не сохранено.
lead-bad-instagram = Это не ник и не ссылка на профиль Instagram. Пример: { $example } или https://instagram.com/anna.sm. Ничего не сохранено.
lead-need-contact = Нужен хотя бы один контакт: телефон, Instagram или почта. Пример: /lead Анна Смирнова +7 916 123-45-67 @anna.sm
lead-need-name = Пришлите имя человека (буквами, до 200 символов).
lead-product-gone = Этого товара больше нет в каталоге.
lead-no-stages = В воронке нет открытых этапов — обратитесь к администратору (/funnel_stages).
lead-not-found = Лида #{ NUMBER($id, useGrouping: 0) } нет.
lead-stage-gone = Этого этапа больше нет. Откройте карточку заново.
lead-already-there = Лид уже на этом этапе.
lead-lost-reason = Выберите причину отказа.
lead-moved-meanwhile = Лида только что передвинул кто-то другой. Откройте карточку заново.
lead-forgotten = Персональные данные этого лида стёрты.
lead-forgotten-name = (стёрто)

lead-card-head = <b>Лид #{ NUMBER($id, useGrouping: 0) }: { $name }</b>
lead-card-stage = Этап: <b>{ $stage }</b>
lead-card-forgotten = Персональные данные стёрты по запросу.
lead-card-phone = Телефон: { $phone }
lead-card-instagram = Instagram: @{ $handle }
lead-card-email = Почта: { $email }
lead-card-hidden = Контакты видят владелец лида, его руководители, администраторы и отдел продаж после передачи.
lead-card-product = Товар: { $product }
lead-card-source = Источник: { $source }
lead-card-note = Заметка: { $note }
lead-card-owner = Владелец: { $name }
lead-card-handoff = Передан в продажи: ждёт, кто возьмёт.
lead-history = История:
lead-history-line = { $at } → { $stage } ({ $who }){ $reason ->
    [none] {""}
   *[other] {" "}· { $reason }
}
lead-moved = Теперь: { $stage }
lead-lost-ask = Почему отказ?

handoff-card = 🤝 <b>Лид #{ NUMBER($id, useGrouping: 0) }: { $name }</b> передан в отдел «{ $department }» ({ $by }). Кто первым нажмёт «Беру», тот и владелец.
handoff-take = 🙋 Беру
handoff-taken-you = Лид ваш.
handoff-taken = { $by } взял(а) лида #{ NUMBER($id, useGrouping: 0) }: { $name }.
lead-handoff-taken = Этого лида уже взял(а) { $name }.
lead-handoff-gone = Эта передача уже не актуальна.
handoff-no-sales = Ни один отдел не отмечен как отдел продаж, поэтому никому не сообщено: администратор отмечает его командой /departments sales N on.
handoff-sent = Передано в «{ $department }»: карточку с кнопкой «Беру» { $n ->
    [one] получил { $n } человек
    [few] получили { $n } человека
   *[other] получили { $n } человек
}.
handoff-sla = ⏰ Лид #{ NUMBER($id, useGrouping: 0) } ({ $name }) передан в «{ $department }» ({ $by }) { $hours } ч назад, и его до сих пор никто не взял.

leads-title = <b>Открытые лиды: { $n }</b>
leads-filter = {" "}· фильтр «{ $q }»
leads-empty = Открытых лидов нет. Новый: /lead
leads-stage = <b>{ $stage }</b>
leads-line = #{ NUMBER($id, useGrouping: 0) } { $name }
leads-filter-hint = Чтобы отфильтровать, отправьте /leads и имя, телефон или ник: /leads анна

funnel-title = <b>Воронка лидов { $first } – { $last }</b>: { $cohort ->
    [one] { $cohort } новый лид
    [few] { $cohort } новых лида
   *[other] { $cohort } новых лидов
}
funnel-line = { $stage }: вошли { $entered }, дошли { $reached }, конверсия { $conversion }, медиана { $days } дн. на этапе
funnel-won = Первый этап → успех: { $rate }. Отказов: { $lost }.
funnel-by-owner = <b>По владельцам</b> (новые · до заявки · успех):
funnel-by-source = <b>По источникам</b> (новые · до заявки · успех):
funnel-by-product = <b>По товарам</b> (новые · до заявки · успех):
funnel-group-line = { $name }: { $cohort } · { $application } · { $won }
funnel-empty = За этот период лидов нет.
funnel-btn-owner = По владельцам
funnel-btn-source = По источникам
funnel-btn-product = По товарам
funnel-chart-title = Воронка лидов { $first } – { $last }
funnel-chart-axis = Лиды периода, дошедшие до этапа

team-leads-title = <b>Лиды по сотрудникам, { $first } – { $last }</b> (создано · до заявки · медиана дней до первого движения · просроченные задачи)
team-leads-line = { $name }: { $created } · { $application } · { $days } · { $overdue }
team-leads-empty = За этот период лидов не создавали.

leads-export-usage = Как пользоваться: /export leads ГГГГ-ММ
leads-export-empty = В { $month } лидов не создавали.
leads-export-caption = Лиды, созданные в { $month }: { $count }. Контакты — только у тех, что вам можно видеть.

products-title = <b>Товары и услуги</b>
products-line = { NUMBER($id, useGrouping: 0) }. { $name }{ $archived ->
    [yes] {" "}(в архиве)
   *[no] {""}
}
products-empty = Каталог пуст.
products-usage = /products add Название · /products rename N Название · /products archive N · /products restore N
product-added = Товар { NUMBER($id, useGrouping: 0) } добавлен: { $name }.
product-saved = Товар { NUMBER($id, useGrouping: 0) }: { $name }{ $archived ->
    [yes] {" "}(в архиве)
   *[no] {""}
}.
product-exists = Товар «{ $name }» уже есть.
product-not-found = Товара { NUMBER($id, useGrouping: 0) } нет.

stages-title = <b>Этапы воронки</b> (по порядку)
stages-line = { NUMBER($id, useGrouping: 0) }. { $name }{ $kind ->
    [won] {" "}(успех)
    [lost] {" "}(отказ)
   *[open] {""}
}{ $handoff ->
    [yes] {" "}· передаёт в продажи
   *[no] {""}
}{ $archived ->
    [yes] {" "}(в архиве)
   *[no] {""}
}
stages-usage = /funnel_stages add Название · rename N Название · up N · down N · archive N · restore N
stage-saved = Этап { NUMBER($id, useGrouping: 0) } сохранён: { $name }.
stage-not-found = Этапа { NUMBER($id, useGrouping: 0) } нет.
stage-fixed = «Успешно», «Отказ», этап передачи в продажи и последний открытый этап нельзя двигать или архивировать.
stage-at-edge = Этап уже крайний среди открытых.

sales-usage = Отметить отдел продаж: /departments sales N on (off — снять отметку).
sales-saved = { $name }: { $on ->
    [yes] теперь отдел продаж.
   *[no] больше не отдел продаж.
}
sales-list = Отделы продаж: { $names }

digest-funnel-title = <b>Воронка лидов</b> (лиды прошлой недели: дошли · конверсия)
digest-funnel-head = За прошлую неделю { $cohort ->
    [one] { $cohort } новый лид
    [few] { $cohort } новых лида
   *[other] { $cohort } новых лидов
}, успех { $won }
digest-funnel-line = { $stage }: { $reached } ({ $conversion })
lead-card-next-steps = Следующий шаг:
lead-card-next-step = { "  " }#{ NUMBER($id, useGrouping: 0) } · { $due } · { $title }
lead-card-no-step = ⚠️ Нет следующего шага: поставьте задачу.
lead-btn-next-step = 📌 Следующий шаг
lead-handoff-task = Связаться с клиентом:
