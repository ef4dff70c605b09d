# Общие тексты: регистрация, помощь, роли, ошибки.
role-admin = администратор
role-manager = руководитель
role-writer = автор
language-ru = русский
language-en = английский
default-department = Общий отдел
back = « Назад
saved = Сохранено

cmd-start = начать работу
cmd-help = что я умею
cmd-settings = язык и часовой пояс
cmd-cancel = отменить текущее действие
cmd-invite = пригласить сотрудника
cmd-members = сотрудники и роли
cmd-departments = отделы

start-known = С возвращением, { $name }! Список команд — /help.
start-registered = Добро пожаловать, { $name }! Вы зарегистрированы: { $role }, отдел «{ $department }». Что можно делать — /help.
start-refused = Это рабочий бот команды, и доступ к нему — только по приглашению. Попросите у руководителя ссылку-приглашение.
start-inactive = Ваш доступ отключён. Если это ошибка, обратитесь к администратору.
start-invite-invalid = Такого приглашения нет. Проверьте ссылку или попросите новую у руководителя.
start-invite-expired = Срок действия приглашения истёк. Попросите у руководителя новую ссылку.
start-invite-used = Это приглашение уже использовано. Попросите у руководителя новую ссылку.

help-title = <b>Команды</b>
help-not-registered = Вы ещё не зарегистрированы: откройте ссылку-приглашение от руководителя.
help-role = Ваша роль: { $role }.

cancel-done = Действие отменено.
cancel-nothing = Отменять нечего.
unknown-command = Не понял сообщение. Список команд — /help.
flow-use-buttons = Выберите кнопкой выше или отмените — /cancel.
flow-send-text = Пришлите текстом или отмените — /cancel.
# the opening and closing quotation marks around a name placed in a sentence (bot.ui.quoted)
quote-marks = «»
list-more = …и ещё { $n }
button-outdated = Эта кнопка устарела. Откройте команду заново.

error-not-allowed = Эта команда вам недоступна.
error-bad-choice = Такого варианта нет. Откройте команду заново.
error-member-not-found = Сотрудник не найден.
error-department-not-found = Отдел не найден.
error-department-exists = Отдел «{ $name }» уже есть.
error-department-name-empty = Укажите название отдела.
error-too-long = Слишком длинно: не больше { $limit } { $limit ->
        [one] символа
       *[other] символов
    }.
error-cannot-demote-self = Нельзя снять роль администратора с самого себя.
error-cannot-deactivate-self = Нельзя отключить самого себя.
error-bad-timezone = Не знаю часовой пояс «{ $tz }». Пример: Europe/Moscow или Asia/Vladivostok.

invite-pick-role = Кого приглашаем? Выберите роль:
invite-pick-department = Роль: { $role }. Выберите отдел:
invite-no-departments = Нет отделов, в которые вы можете приглашать.
invite-created = Приглашение готово: { $role }, отдел «{ $department }».
    Ссылка действует { $hours } { $hours ->
        [one] час
        [few] часа
        [many] часов
       *[other] часа
    } и подходит для одного человека:
    { $link }

members-title = <b>Сотрудники</b> (всего: { $total })
members-line = { $name }{ $username } — { $role }, { $department }
members-line-inactive = <s>{ $name }</s>{ $username } — { $role }, { $department } (отключён)
member-card = <b>{ $name }</b>
    Username: { $username }
    Роль: { $role }
    Отдел: { $department }
    Статус: { $status }
    Telegram ID: <code>{ NUMBER($tid, useGrouping: 0) }</code>
member-active = активен
member-inactive = отключён
member-change-department = Сменить отдел
member-pick-department = Выберите новый отдел:
member-deactivate = Отключить доступ
member-activate = Вернуть доступ

departments-title = <b>Отделы</b>
departments-line = { NUMBER($id, useGrouping: 0) }. { $name }
departments-usage = Добавить: <code>/departments add Название</code>
    Переименовать: <code>/departments rename номер Новое название</code>
department-added = Отдел «{ $name }» добавлен (номер { NUMBER($id, useGrouping: 0) }).
department-renamed = Отдел { NUMBER($id, useGrouping: 0) } теперь называется «{ $name }».

settings-title = <b>Настройки</b>
    Язык: { $language }
    Часовой пояс: { $timezone }
    Выберите язык или часовой пояс. Другой пояс: <code>/settings tz Area/City</code>
settings-timezone-saved = Часовой пояс: { $timezone }.
settings-usage = Пример: <code>/settings tz Asia/Vladivostok</code>
error-internal = Что-то пошло не так, и действие не выполнено. Попробуйте ещё раз чуть позже.
invite-used = По вашему приглашению зарегистрировался { $name }: { $role }, отдел «{ $department }».

month-1 = январь
month-2 = февраль
month-3 = март
month-4 = апрель
month-5 = май
month-6 = июнь
month-7 = июль
month-8 = август
month-9 = сентябрь
month-10 = октябрь
month-11 = ноябрь
month-12 = декабрь
month-year = { $month } { $year }
error-unavailable = Бот временно недоступен: не отвечает база данных или хранилище. Ничего не сохранено, попробуйте через несколько минут.

# confirmations of destructive taps
confirm-no = Нет, оставить
confirm-yes-archive = Да, в архив
confirm-yes-deactivate = Да, отключить
member-deactivate-confirm = Отключить доступ для <b>{ $name }</b>? Бот перестанет отвечать этому человеку, пока доступ не вернут.
# Числа, которые набирает пользователь (bot/parsing.py).
number-invalid = «{ $value }» — не подходит: нужно целое число от { $lo } до { $hi }.
number-out-of-range = «{ $value }» — не подходит: нужно целое число от { $lo } до { $hi }.
