# SMM-аккаунты и недельная статистика: /accounts, /smm, /stats, напоминания.
cmd-smm = заполнить недельную статистику аккаунта
cmd-stats = статистика SMM-аккаунтов за 8 недель
cmd-accounts = SMM-аккаунты проектов
smm-network-instagram = Instagram
smm-network-vk = ВКонтакте
smm-network-telegram = Telegram-канал
smm-network-youtube = YouTube
smm-network-tiktok = TikTok
smm-network-other = другая сеть
smm-weekday-0 = пн
smm-weekday-1 = вт
smm-weekday-2 = ср
smm-weekday-3 = чт
smm-weekday-4 = пт
smm-weekday-5 = сб
smm-weekday-6 = вс
smm-field-followers = Подписчики
smm-field-posts = Публикации
smm-field-likes = Лайки
smm-field-comments = Комментарии
smm-field-saves = Сохранения
smm-field-shares = Репосты
smm-field-reach = Охват
smm-field-views = Просмотры
smm-field-interactions = Взаимодействия
smm-account-line = { NUMBER($id, useGrouping: 0) }. <b>{ $name }</b> · «{ $project }» · { $network } { $handle } · отвечает { $who } · неделя до: { $weekday }{ $archived ->
        [yes] {" "}· в архиве
       *[no] {""}
    }{ $channel ->
        [admin] {" "}· бот считает подписчиков
        [removed] {" "}· ⚠️ бота убрали из канала
       *[none] {""}
    }
smm-accounts-title = <b>SMM-аккаунты</b>: { $n }
smm-accounts-empty = Аккаунтов пока нет.
smm-accounts-usage = Добавить: <code>/accounts add &lt;номер проекта&gt; &lt;сеть&gt; &lt;ник или ссылка&gt; &lt;@ответственный&gt; [день конца недели: пн…вс] [дата начала ГГГГ-ММ-ДД]</code>
    Например: <code>/accounts add 3 instagram @brand.shop @anna вс</code>
    Сети: instagram, vk, telegram, youtube, tiktok, other.
    Переименовать: <code>/accounts rename &lt;номер&gt; &lt;название&gt;</code> · сменить ответственного: <code>/accounts reassign &lt;номер&gt; &lt;@ник&gt;</code> · в архив: <code>/accounts archive &lt;номер&gt;</code> · вернуть: <code>/accounts restore &lt;номер&gt;</code>
smm-account-added = Аккаунт добавлен.
smm-account-exists-saved = Этот аккаунт уже добавлен этой командой.
smm-account-not-found = Аккаунта номер { NUMBER($id, useGrouping: 0) } нет.
smm-account-exists = Такой аккаунт ({ $handle }) у проекта уже есть.
smm-account-archived = Аккаунт «{ $name }» в архиве: статистику по нему не собираем.
smm-member-not-found = Сотрудник «{ $ref }» не найден: укажите @ник или номер из /members.
smm-member-out-of-scope = { $name } не в ваших отделах: назначить его ответственным нельзя.
smm-project-not-found = Проекта «{ $ref }» нет (или он в архиве). Номера проектов — в /approval.
smm-network-unknown = Сеть «{ $text }» не знаю. Можно: { $networks }.
smm-handle-invalid = Это не похоже на аккаунт сети { $network }. Пример: { $example }
smm-handle-wrong-network = Ссылка ведёт не в { $network }. Пример: { $example }
smm-handle-long = Слишком длинная ссылка. Пример: { $example }
smm-weekday-invalid = «{ $text }» — не день недели: пн, вт, ср, чт, пт, сб или вс.
smm-date-invalid = «{ $text }» — не дата: нужно ГГГГ-ММ-ДД или ДД.ММ.ГГГГ.
smm-name-empty = Название не может быть пустым.
smm-usage = Форма недели: <code>/smm</code> (ваши аккаунты) или <code>/smm &lt;номер аккаунта&gt; [день недели ГГГГ-ММ-ДД]</code> — исправить прошлую неделю.
smm-no-accounts = У вас нет SMM-аккаунтов.
smm-pick-account = Выберите аккаунт:
smm-week-invalid = Неделю { $day } заполнить нельзя: последняя закончившаяся неделя аккаунта — по { $last }.
smm-form-head = <b>Статистика за неделю { $first }–{ $last }</b>
    { $name } · «{ $project }»
smm-form-reminder = <b>Напоминание: нет статистики за неделю { $first }–{ $last }</b>
    { $name } · «{ $project }»
smm-form-line = { $mark }{ $field }: <b>{ $value }</b>
smm-form-line-hint = { $mark }{ $field }: <b>{ $value }</b> (прошлая неделя: { $hint })
smm-form-saved-before = Неделя уже заполнена: новые значения заменят старые (прежние останутся в журнале).
smm-form-how = Нажмите на показатель и пришлите число — или одной строкой: <code>подписчики 12 340 лайки 1 200 комментарии 85 сохранения 140 охват 25 000</code>. Взаимодействия посчитаются сами, если их не указать.
smm-form-taken = Принято значений: { $n }. Проверьте и нажмите «Сохранить».
smm-form-expired = Форма устарела: откройте её заново командой /smm.
smm-enter-value = Пришлите число для «{ $field }» (от 0 до { $hi }). Пробелы между разрядами можно.
smm-btn-save = 💾 Сохранить
smm-btn-sure = Да, сохранить
smm-btn-back = « Исправить
smm-are-you-sure = <b>Точно?</b>
    { $warnings }
smm-warn-followers-jump = • подписчики изменились больше чем на 50% за неделю;
smm-warn-reach-zero = • охват 0, а лайки есть;
smm-warn-engagement-over-reach = • лайков, комментариев, сохранений и репостов в 10 раз больше охвата.
smm-saved = ✅ Сохранено.
smm-saved-short = Сохранено
smm-corrected = ✅ Исправлено значений: { $n } (прежние — в журнале).
smm-nothing-to-save = Нечего сохранять: сначала введите значения.
smm-value-invalid = { $field }: «{ $value }» — не число. Нужно целое от 0 до { $hi }.
smm-value-range = { $field }: «{ $value }» — вне допустимого: от 0 до { $hi }.
smm-line-empty = Не нашёл показателей. Пример: <code>подписчики 12 340 лайки 1 200 охват 25 000</code>
smm-line-start = «{ $value }» — перед ним нет названия показателя. Пример: <code>подписчики 12 340 лайки 1 200</code>
smm-line-unknown = «{ $word }» — такого показателя нет. Есть: подписчики, публикации, лайки, комментарии, сохранения, репосты, охват, просмотры, взаимодействия.
smm-line-twice = { $field }: указан дважды.
smm-line-no-value = { $field }: нет значения.
smm-col-week = нед.
smm-col-followers = подп.
smm-col-growth = прирост
smm-col-er = ER
smm-col-reach = охват
smm-stats-missing = — нет отчёта —
smm-stats-title = <b>{ $name }</b> · «{ $project }» · { $network }: последние 8 недель
smm-stats-summary = Неделя до { $week }: ER по охвату { $er }, по подписчикам { $erf }, прирост { $growth } ({ $pct }), ER в среднем за 4 недели { $avg }.
smm-stats-usage = <code>/stats</code>, <code>/stats &lt;номер аккаунта&gt;</code> или <code>/stats all</code>.
smm-stats-pick = Выберите аккаунт:
smm-chart-er = ER по охвату, %
smm-chart-missing = нет отчёта
smm-chart-no-data = Нет данных
smm-all-title = <b>Аккаунты: последняя неделя</b> ({ $n }; с флагом: { $flagged }; падение больше { $share }% или нет отчёта)
smm-all-line = { NUMBER($id, useGrouping: 0) }. { $name } · «{ $project }» · { $who } · до { $week }: ER { $er }, прирост { $growth } ({ $pct })
smm-all-line-flagged = ⚠️ { NUMBER($id, useGrouping: 0) }. { $name } · «{ $project }» · { $who } · до { $week }: ER { $er }, прирост { $growth } ({ $pct }) — { $marks }
smm-flag-missing = нет отчёта
smm-flag-er = ER упал
smm-flag-reach = охват упал
smm-flag-followers = подписчики упали
smm-remind-manager = ⚠️ { $name } не прислал(а) статистику аккаунта «{ $account }» («{ $project }») за неделю по { $week }.
smm-channel-added = Бот стал администратором канала «{ $title }»: подписчиков аккаунта { $name } он теперь считает сам.
smm-channel-removed = ⚠️ Бота убрали из канала «{ $title }»: подписчиков аккаунта { $name } придётся вводить вручную.
smm-import-which = Чтобы загрузить таблицу, откройте форму аккаунта (/smm) или укажите номер аккаунта в подписи к файлу.
smm-import-type = «{ $name }»: нужен файл CSV или XLSX.
smm-import-too-big = Файл больше { $mb } МБ: столько бот скачать не может. Разбейте таблицу.
smm-import-too-many = В файле больше { $n } строк: разбейте таблицу.
smm-import-unreadable = «{ $name }» не читается как таблица.
smm-import-reading = Читаю «{ $name }»…
smm-import-checking = Проверяю строки: { $n }…
smm-import-refused = <b>Файл не загружен</b> — ничего не сохранено. Ошибок: { $n }
smm-import-error-header = Нет строки заголовков: нужна колонка «Неделя» или «Дата» и колонки показателей (подписчики, лайки, охват…).
smm-import-error-date = Строка { $row }, «{ $column }»: «{ $value }» — не дата.
smm-import-error-future = Строка { $row }, «{ $column }»: неделя по { $value } ещё не закончилась.
smm-import-error-twice = Строка { $row }, «{ $column }»: { $value } — повтор.
smm-import-error-empty = Строка { $row }: нет ни одного показателя.
smm-import-error-number = Строка { $row }, «{ $column }»: «{ $value }» — не целое число.
smm-import-error-range = Строка { $row }, «{ $column }»: «{ $value }» — вне допустимого (от 0 до 1 000 000 000).
smm-import-conflicts = В файле недель: { $rows }. У { $n } из них уже есть цифры: { $weeks }. Заменить их? (Прежние значения останутся в журнале.)
smm-import-btn-replace = Заменить
smm-import-btn-cancel = Отмена
smm-import-cancelled = Загрузка отменена: ничего не сохранено.
smm-import-expired = Эта загрузка устарела: пришлите файл ещё раз.
smm-import-done = ✅ Загружено: новых недель { $created }, заменено { $replaced }.
smm-team-title = <b>SMM: отчёты ответственных, { $month } { NUMBER($year, useGrouping: 0) }</b>
smm-team-line = { $name }: аккаунтов { $accounts }, недель { $due }: вовремя { $on_time }, с опозданием { $late }, нет отчёта { $missing }; изменение ER (медиана) { $er }
smm-export-usage = <code>/export smm ГГГГ-ММ</code> — недели всех аккаунтов месяца с показателями (CSV и XLSX).
smm-export-empty = За { $month } { NUMBER($year, useGrouping: 0) } статистики аккаунтов нет.
smm-export-caption = SMM, { $month } { NUMBER($year, useGrouping: 0) }: недель { $n } (CSV и XLSX).
smm-col-export-project = Проект
smm-col-export-account = Аккаунт
smm-col-export-network = Сеть
smm-col-export-handle = Ник
smm-col-export-responsible = Ответственный
smm-col-export-week-end = Конец недели
smm-col-export-followers = Подписчики
smm-col-export-posts = Публикации
smm-col-export-likes = Лайки
smm-col-export-comments = Комментарии
smm-col-export-saves = Сохранения
smm-col-export-shares = Репосты
smm-col-export-reach = Охват
smm-col-export-views = Просмотры
smm-col-export-interactions = Взаимодействия (указано)
smm-col-export-interactions-total = Взаимодействия
smm-col-export-er-reach = ER по охвату
smm-col-export-er-followers = ER по подписчикам
smm-col-export-growth = Прирост подписчиков
smm-col-export-growth-pct = Прирост, доля
smm-digest-title = <b>SMM за неделю по { $week }</b>: вовремя отчитались { $on_time } из { $total } { $total ->
        [one] аккаунта
       *[other] аккаунтов
    }
smm-digest-on-time = Вовремя: { $names }
smm-digest-late = С опозданием: { $names }
smm-digest-chart-cut = На графике { $shown } из { $total } { $total ->
        [one] аккаунта
       *[other] аккаунтов
    }: сначала лучшие, худшие, падения и без отчёта.
smm-digest-chart-title = SMM: ER по охвату, неделя по { $week }
smm-chart-er-prev = неделей раньше
smm-chart-up = ER вырос
smm-chart-down = ER не вырос
smm-chart-fell = падение больше порога
# /settings → «Дайджесты»: где SMM-сводка за неделю
digest-settings-smm = SMM-сводка за неделю: { $place }
digest-smm-with_weekly = в еженедельном дайджесте
digest-smm-own = отдельным сообщением
digest-smm-weekly-off = (еженедельный дайджест выключен — сводка придёт отдельным сообщением)
digest-btn-smm = SMM-сводка: { $place }
smm-digest-missing = Нет отчёта: { $names }
smm-digest-best = <b>Лучше всех</b> (изменение ER):
smm-digest-worst = <b>Хуже всех</b>:
smm-digest-falls = <b>Падения</b> больше порога:
smm-digest-line = • { $name } · «{ $project }» · { $who }: ER { $er } ({ $change })

# недельные цифры аккаунта клиентам его проекта (планировщик, вид smm_client)
smm-client-head = 📊 <b>{ $name }</b> ({ $project }), неделя { $start }–{ $end }
smm-client-followers = Подписчики: { $n } ({ $growth } за неделю)
smm-client-reach = Охват: { $n } ({ $change } к прошлой неделе)
smm-client-interactions = Взаимодействия: { $n } ({ $change })
smm-client-er = ER по охвату: { $er } ({ $change })
smm-client-by = Данные внёс(ла) { $name }

# python -m bot digest --preview --kind weekly: SMM-сводка приходит руководителю отдельным сообщением
digest-preview-smm-own = { $name }: SMM-сводка за неделю приходит отдельным сообщением (выбор в /settings → Дайджесты):
digest-preview-smm-weekly-off = { $name }: еженедельный дайджест выключен, поэтому SMM-сводка за неделю приходит отдельным сообщением:
