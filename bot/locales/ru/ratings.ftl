# Оценки между отделами: /rate, /ratings, /export ratings, /rating_policies, /rating_campaign.
cmd-rate = оценить, как ставят задачи
cmd-ratings = мои оценки и дашборд
cmd-export = выгрузка: /export ratings 2026-11
cmd-rating-policies = кто кого оценивает
cmd-rating-campaign = разослать ежемесячные формы оценки


rating-mode-open = открыто
rating-mode-anonymous = анонимно
rating-mode-aggregate = только сводно
rating-cadence-per_task = по задачам
rating-cadence-monthly = раз в месяц
rating-cadence-both = по задачам и раз в месяц

# /rate
rating-nothing-to-rate = Сейчас вам некого оценивать: для вашего отдела не настроены оценки. Если это ошибка, напишите администратору.
rating-pick-person = <b>Оценка постановщика задач</b> — { $month }.
    Кого оцениваете?
rating-ask-task = Оцениваем: <b>{ $name }</b>.
    Какую задачу оцениваете? Пришлите название или ссылку.
rating-ask-task-optional = Оцениваем: <b>{ $name }</b>.
    Пришлите название или ссылку на задачу — или нажмите «Оценка за месяц», если оцениваете работу в целом.
rating-button-no-task = Оценка за месяц, без задачи
rating-task-empty = Напишите название задачи или пришлите ссылку на неё.
rating-pick-score = Насколько хорошо <b>{ $name }</b> поставил(а) задачу? Оценка от 1 до 5:
rating-task = Задача: { $task }
rating-already = Вы уже поставили { $score } — новая оценка заменит прежнюю.
rating-ask-comment = Оценка { $score } для <b>{ $name }</b>.
    Если не пятёрка — объясните, за что снижен балл: что было не так в постановке задачи? Нужно хотя бы { $letters } { $letters ->
        [one] буква
        [few] буквы
        [many] букв
       *[other] буквы
    }.
rating-ask-comment-optional = Пятёрка для <b>{ $name }</b>! Можно добавить комментарий — или нажмите «Без комментария».
rating-button-no-comment = Без комментария
rating-comment-required = Для оценки ниже пятёрки нужен комментарий: напишите, что именно было не так. Прочерк или точка не подойдут.
rating-comment-too-short = Слишком коротко: опишите, что было не так, хотя бы { $letters } { $letters ->
        [one] буквой
       *[other] буквами
    }.
rating-comment-too-long = Слишком длинный комментарий: не больше { $limit } { $limit ->
        [one] символа
       *[other] символов
    }.
rating-confirm = Проверьте: <b>{ $name }</b> — оценка { $score }.
rating-your-comment = Комментарий: { $comment }
rating-button-save = Сохранить
rating-button-cancel = Отменить
rating-saved = Оценка сохранена: <b>{ $name }</b> — { $score } ({ $month }).
rating-updated = Оценка изменена: <b>{ $name }</b> — { $score } ({ $month }).
rating-can-change = Изменить оценку можно до конца месяца: снова /rate.
rating-cancelled = Оценка отменена, ничего не сохранено.
rating-use-buttons = Выберите вариант кнопками под сообщением или отмените: /cancel.
rating-form-expired = Эта форма уже закрыта или сохранена. Чтобы оценить заново — /rate.

rating-error-self = Себя оценивать нельзя.
rating-error-not-in-policy = Этого сотрудника вы оценивать не можете: такой оценки нет в правилах вашего отдела.
rating-error-task-required = По правилам вашего отдела этого сотрудника оценивают по конкретной задаче. Начните заново: /rate.
rating-error-no-task = По правилам вашего отдела этого сотрудника оценивают раз в месяц, без задачи. Начните заново: /rate.
rating-error-period = Не понял месяц «{ $text }». Пример: 2026-11 или 11.2026.
rating-error-period-closed = Этот месяц закрыт: оценки за него больше не принимаются.
rating-error-policy-exists = Такое правило уже есть: откройте его в списке и измените.
rating-error-policy-not-found = Правило не найдено.

# уведомления оцениваемому
rating-notify-open = <b>{ $rater }</b> оценил(а) постановку вашей задачи: { $score }.
    Задача: { $task }
    Комментарий: { $comment }
rating-notify-anonymous = Вам поставили оценку: { $score }.
    Комментарий: { $comment }
    Все оценки — /ratings.
rating-notify-threshold = Собрано достаточно оценок за { $month } (вас оценили не меньше { $k } { $k ->
        [one] человека
       *[other] разных человек
    }): средний балл и комментарии — в /ratings.

# /ratings
rating-results-title = <b>Ваши оценки</b> — { $month }
rating-no-policy = Ваш отдел пока никто не оценивает.
rating-policy-from = <b>Оценивает отдел «{ $department }»</b> ({ $mode })
rating-hidden = Результаты появятся, когда вас оценят не меньше { $k } { $k ->
        [one] человека
       *[other] разных человек
    }.
rating-none-yet = Оценок пока нет.
rating-average = Средний балл: <b>{ $average }</b> (оценок: { $count })
rating-distribution = Распределение: { $dist }
rating-comment-line = • { $score }: { $comment }
rating-comment-open = • { $score }: { $comment } — { $rater }
rating-more-comments = …и ещё { $count } { $count ->
        [one] комментарий
        [few] комментария
       *[many] комментариев
    }
rating-given-title = <b>Ваши оценки коллегам</b> (видите только вы)
rating-given-line = • { $name }: { $score }
rating-dashboard-title = <b>Дашборд оценок</b> — { $month }
rating-dashboard-empty = Нет правил оценки для ваших отделов.
rating-dept-line = <b>{ $department }</b>: средний балл { $average } (оценок: { $count })
rating-trend = По месяцам: { $trend }
rating-person-line = • { $name }: { $average } (оценок: { $count })
rating-person-hidden = • { $name }: оценили меньше { $k } { $k ->
        [one] человека
       *[other] человек
    } — результаты скрыты
rating-person-title = <b>{ $name }</b> — { $month }
rating-top-title = <b>Рейтинг для премий</b> — { $month } (не меньше { $min } { $min ->
        [one] оценки
       *[other] оценок
    })
rating-top-empty = Пока никто не набрал нужного числа оценок.
rating-top-line = { $rank }. { $name } — { $average } (оценок: { $count })
rating-rater-unknown = скрыт

# /export
rating-export-usage = Пример: <code>/export ratings 2026-11</code>
rating-export-caption = Оценки за { $month }: строк — { $count }. Кто ставил оценку, указано только для открытых правил.

# /rating_policies
rating-policies-title = <b>Правила оценки</b> (порог для режима «только сводно»: { $k } { $k ->
        [one] оценивающий
       *[other] оценивающих
    })
rating-policies-empty = Правил пока нет.
rating-policy-line = «{ $rater }» оценивает «{ $rated }»: { $cadence }, { $mode } — { $status }
rating-policy-on = действует
rating-policy-off = на паузе
rating-policy-add = + Добавить правило
rating-policy-card = { $line }

    <b>Открыто</b>: оцениваемый видит, кто поставил оценку.
    <b>Анонимно</b>: видны оценки и комментарии, но не авторы — даже руководителям.
    <b>Только сводно</b>: средний балл и комментарии видны, когда человека за месяц оценили не меньше { $k } { $k ->
        [one] коллеги
       *[other] разных коллег
    }.
rating-policy-pause = Поставить на паузу
rating-policy-resume = Возобновить
rating-policy-pick-rater = Какой отдел ставит оценки?
rating-policy-pick-rated = Отдел «{ $rater }» оценивает сотрудников какого отдела?
rating-policy-pick-cadence = Когда оценивать?
rating-policy-pick-mode = Насколько анонимно? («Только сводно» — результаты видны, когда человека оценили не меньше { $k } { $k ->
        [one] коллеги
       *[other] разных коллег
    }.)

# /rating_campaign
rating-form = <b>Оценка за { $month }</b>
    Как { $name } ({ $department }) ставил(а) вам задачи в этом месяце? Оценка от 1 до 5. Форма открыта до конца месяца.
rating-campaign-done = Разослано форм: { $count } ({ $month }). Заполненные и ещё открытые формы повторно не отправляются.
rating-form-reminder = <b>Напоминание: оценка за { $month }</b>
    Вы ещё не оценили, как { $name } ({ $department }) ставил(а) вам задачи. Оценка от 1 до 5; форма открыта до конца месяца.
rating-export-empty = За { $month } нет оценок, которые вам видны, — выгружать нечего.
