# Дайджесты, предупреждения об отставании, напоминания.
cmd-digest = дайджест команды сейчас

chart-plan = План
chart-done = Сделано
chart-behind = Отстаёт
chart-expected = Ожидалось к сегодня
chart-units = Единиц
chart-today = Сегодня
chart-day = День месяца
chart-rate-axis = Правок на единицу
chart-rating-axis = Средняя оценка
chart-na = нет данных
chart-no-data = Нет данных
chart-count = оценок: { $count }
chart-plan-title = План и факт, { $period }
chart-cumulative-title = Сделано нарастающим итогом, { $period }
chart-revisions-title = Правки на единицу, { $period }
chart-ratings-title = Оценки коллег, { $period }


digest-daily-title = <b>Дайджест на { $period }</b>
digest-weekly-title = <b>Итоги недели { $period }</b>
digest-monthly-title = <b>Итоги месяца: { $period }</b>
digest-team-today = Команда: { $done } из { $plan }, к сегодня ожидалось { $expected }.
digest-team-month = Команда: { $done } из { $plan } за месяц.
digest-week-done = За неделю сдано: { $units }.
digest-chart-cut = На графиках — { $shown } из { $total } (сначала отстающие).
digest-behind-title = <b>Отстают ({ $count }):</b>
digest-behind-line = • { $name } — на { $days } { $days ->
        [one] день
        [few] дня
        [many] дней
       *[other] дня
    }, нужно { $per_day } в день
digest-behind-line-nodays = • { $name } — на { $days } { $days ->
        [one] день
        [few] дня
        [many] дней
       *[other] дня
    }, рабочих дней не осталось
digest-on-track = Все идут по плану.
digest-missed-title = <b>План не выполнили ({ $count }):</b>
digest-missed-line = • { $name } — { $done } из { $plan }
digest-all-met = Все выполнили план.
digest-quality-title = <b>Правок стало заметно больше:</b>
digest-quality-line = • { $name } — { $rate } на единицу (было { $prev })
digest-ratings-title = <b>Оценки коллег:</b>
digest-rating-line = • { $name } — { $average } (оценок: { $count })
digest-more = … и ещё { $count }
digest-nothing = В ваших отделах пока нет планов — показывать нечего.
digest-not-now = Дайджест уже готовится, подождите немного.

lag-member = Похоже, месяц идёт тяжеловато: вы отстаёте от темпа на { $days } { $days ->
        [one] день
        [few] дня
        [many] дней
       *[other] дня
    } (сделано { $done } из { $plan }). Чтобы успеть, нужно примерно { $per_day } в день. Если что-то мешает — напишите руководителю, вместе разберёмся.
lag-manager = ⚠️ { $name } отстаёт от темпа на { $days } { $days ->
        [one] день
        [few] дня
        [many] дней
       *[other] дня
    }: сделано { $done } из { $plan }, чтобы успеть — { $per_day } в день.
remind-report = Напоминание: сегодня вы ещё ничего не отметили. Если что-то сделали — отправьте отчёт, пожалуйста.
revision-overdue-writer = Правка к «{ $title }» ждёт уже { $hours } { $hours ->
        [one] час
        [few] часа
        [many] часов
       *[other] часа
    }. Посмотрите, пожалуйста, как будет возможность.
revision-overdue-manager = Правка к «{ $title }» ({ $name }) ждёт уже { $hours } { $hours ->
        [one] час
        [few] часа
        [many] часов
       *[other] часа
    }.

settings-digests = Дайджесты
digest-settings-title = <b>Дайджесты</b>
    Ежедневный (рабочие дни): { $daily }
    Еженедельный (понедельник): { $weekly }
    Ежемесячный (первый рабочий день): { $monthly }
    Время отправки: { $time } ({ $tz })
    Другое время: <code>/digest time 08:30</code>
digest-on = да
digest-off = нет
digest-btn-daily = Ежедневный: { $state }
digest-btn-weekly = Еженедельный: { $state }
digest-btn-monthly = Ежемесячный: { $state }
digest-time-saved = Дайджесты будут приходить в { $time } ({ $tz }).
digest-usage = Дайджест сейчас: <code>/digest</code>. Время: <code>/digest time 09:00</code>. Что присылать — /settings → «Дайджесты».
digest-bad-time = «{ $text }» — не время. Укажите часы и минуты, 00:00–23:59: <code>/digest time 08:30</code>.
digest-send-failed = Не получилось отправить дайджест. Попробуйте ещё раз через минуту.
chart-on-track = В графике
chart-ahead = Опережает
chart-final-behind = План не выполнен
chart-final-ahead = План выполнен
digest-daily-final = Месяц только начался — вот итоги за { $month }.
