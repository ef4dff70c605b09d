# Leads: the card, the funnel, the hand-off to sales, products and stages.
cmd-lead = a new lead, or a lead's card: /lead 12
cmd-leads = my open leads by stage
cmd-funnel = the lead funnel and conversion
cmd-products = the products and services catalogue
cmd-funnel-stages = the funnel's stages

stage-dialogue = Dialogue
stage-warm = Warm lead
stage-application = Application
stage-handed = Handed to sales
stage-won = Won
stage-lost = Lost

lost-price = Price
lost-no_answer = Stopped answering
lost-competitor = Chose a competitor
lost-not_target = Not our client
lost-other = Other

lead-ask-name = New lead. Send the person's full name (or /cancel).
lead-ask-contacts = Contacts of { $name }: send a phone, an Instagram handle or link, or an e-mail (several in one message are fine), for example: +7 916 123-45-67 @anna.sm
lead-ask-product = Product or service:
lead-no-product = No product
lead-product-picked = Product: { $product }
lead-product-none = No product.
lead-ask-source = Where did the person come from (an account, an ad, a recommendation)? Send a short text or press the button.
lead-no-source = No source
lead-source-none = No source.
lead-confirm = <b>Save this lead?</b>
    Name: { $name }
    Contacts: { $contacts }
    Product: { $product }
    Source: { $source }
    Note: { $note }
lead-save = 💾 Save
lead-cancel = Cancel
lead-saved = ✅ Lead saved.
lead-duplicate = ⚠️ This person is already in the leads (a phone, handle or e-mail matches): here is the card. Nothing new was created.
lead-cancelled = Cancelled, nothing saved.
lead-offer = Make a lead of <b>{ $name }</b>? The message becomes its note:
    { $note }
lead-offer-go = ➕ Start a lead
lead-forward-not-person = This was forwarded from a channel or a group, not from a person: a lead needs a person. Forward a message from your chat with the client.
lead-forward-not-text = A lead is made from a text message. Forward the client's text message (a file, photo or sticker cannot become a note).
lead-usage = Usage: /lead (a form), /lead Anna Smirnova +7 916 123-45-67 @anna.sm (in one line), /lead 12 (the card), /lead 12 note text, /lead forget 12 (admins).
lead-forget-usage = Usage: /lead forget 12
lead-forgot = The personal data of lead #{ NUMBER($id, useGrouping: 0) } is erased; its anonymous funnel history stays.

lead-bad-phone = This is not a valid phone number. Example: { $example }. Nothing was saved.
lead-bad-email = This is not a valid e-mail address. Example: { $example }. Nothing was saved.
lead-bad-instagram = This is not an Instagram handle or profile link. Example: { $example } or https://instagram.com/anna.sm. Nothing was saved.
lead-need-contact = A lead needs at least one contact: a phone, an Instagram handle or an e-mail. Example: /lead Anna Smirnova +7 916 123-45-67 @anna.sm
lead-need-name = Send the person's name (letters, up to 200 characters).
lead-product-gone = That product is no longer in the catalogue.
lead-no-stages = The funnel has no open stages: ask an admin (/funnel_stages).
lead-not-found = There is no lead #{ NUMBER($id, useGrouping: 0) }.
lead-stage-gone = That stage no longer exists. Open the card again.
lead-already-there = The lead is already at that stage.
lead-lost-reason = Pick the reason why the lead is lost.
lead-moved-meanwhile = Someone moved this lead meanwhile. Open the card again.
lead-forgotten = The personal data of this lead was erased.
lead-forgotten-name = (erased)

lead-card-head = <b>Lead #{ NUMBER($id, useGrouping: 0) }: { $name }</b>
lead-card-stage = Stage: <b>{ $stage }</b>
lead-card-forgotten = Personal data erased on request.
lead-card-phone = Phone: { $phone }
lead-card-instagram = Instagram: @{ $handle }
lead-card-email = E-mail: { $email }
lead-card-hidden = Contacts are visible to the owner, their managers, admins and the sales department after the hand-off.
lead-card-product = Product: { $product }
lead-card-source = Source: { $source }
lead-card-note = Note: { $note }
lead-card-owner = Owner: { $name }
lead-card-handoff = Handed to sales: waiting for someone to take it.
lead-history = History:
lead-history-line = { $at } → { $stage } ({ $who }){ $reason ->
    [none] {""}
   *[other] {" "}· { $reason }
}
lead-moved = Now: { $stage }
lead-lost-ask = Why is the lead lost?

handoff-card = 🤝 <b>Lead #{ NUMBER($id, useGrouping: 0) }: { $name }</b> is handed to { $department } by { $by }. The first to press “Take it” becomes its owner.
handoff-take = 🙋 Take it
handoff-taken-you = The lead is yours.
handoff-taken = { $by } took lead #{ NUMBER($id, useGrouping: 0) }: { $name }.
lead-handoff-taken = { $name } has already taken this lead.
lead-handoff-gone = This hand-off is no longer open.
handoff-no-sales = No department is marked as sales, so nobody was told: an admin marks one with /departments sales N on.
handoff-sent = Handed to { $department }: { $n } { $n ->
    [one] member got
   *[other] members got
} the card with “Take it”.
handoff-sla = ⏰ Lead #{ NUMBER($id, useGrouping: 0) } ({ $name }) was handed to { $department } by { $by } { $hours } h ago and nobody has taken it yet.

leads-title = <b>Open leads: { $n }</b>
leads-filter = {" "}· filter “{ $q }”
leads-empty = No open leads here. A new one: /lead
leads-stage = <b>{ $stage }</b>
leads-line = #{ NUMBER($id, useGrouping: 0) } { $name }
leads-filter-hint = To filter, send /leads and a name, phone or handle: /leads anna

funnel-title = <b>Lead funnel { $first } – { $last }</b>: { $cohort } new { $cohort ->
    [one] lead
   *[other] leads
}
funnel-line = { $stage }: entered { $entered }, reached { $reached }, conversion { $conversion }, median { $days } d in stage
funnel-won = First stage → won: { $rate }. Lost: { $lost }.
funnel-by-owner = <b>By owner</b> (new · to application · won):
funnel-by-source = <b>By source</b> (new · to application · won):
funnel-by-product = <b>By product</b> (new · to application · won):
funnel-group-line = { $name }: { $cohort } · { $application } · { $won }
funnel-empty = No leads in this period.
funnel-btn-owner = By owner
funnel-btn-source = By source
funnel-btn-product = By product
funnel-chart-title = Lead funnel { $first } – { $last }
funnel-chart-axis = Leads created in the period that reached the stage

team-leads-title = <b>Leads by owner, { $first } – { $last }</b> (created · to application · median days to first change · overdue tasks)
team-leads-line = { $name }: { $created } · { $application } · { $days } · { $overdue }
team-leads-empty = No leads created in this period.

leads-export-usage = Usage: /export leads YYYY-MM
leads-export-empty = No leads were created in { $month }.
leads-export-caption = Leads created in { $month }: { $count }. Contacts only for the leads you may see.

products-title = <b>Products and services</b>
products-line = { NUMBER($id, useGrouping: 0) }. { $name }{ $archived ->
    [yes] {" "}(archived)
   *[no] {""}
}
products-empty = The catalogue is empty.
products-usage = /products add Name · /products rename N Name · /products archive N · /products restore N
product-added = Product { NUMBER($id, useGrouping: 0) } added: { $name }.
product-saved = Product { NUMBER($id, useGrouping: 0) }: { $name }{ $archived ->
    [yes] {" "}(archived)
   *[no] {""}
}.
product-exists = There is already a product “{ $name }”.
product-not-found = There is no product { NUMBER($id, useGrouping: 0) }.

stages-title = <b>Funnel stages</b> (in order)
stages-line = { NUMBER($id, useGrouping: 0) }. { $name }{ $kind ->
    [won] {" "}(won)
    [lost] {" "}(lost)
   *[open] {""}
}{ $handoff ->
    [yes] {" "}· hands over to sales
   *[no] {""}
}{ $archived ->
    [yes] {" "}(archived)
   *[no] {""}
}
stages-usage = /funnel_stages add Name · rename N Name · up N · down N · archive N · restore N
stage-saved = Stage { NUMBER($id, useGrouping: 0) } saved: { $name }.
stage-not-found = There is no stage { NUMBER($id, useGrouping: 0) }.
stage-fixed = Won, lost, the hand-off stage and the last open stage cannot be moved or archived.
stage-at-edge = The stage is already at the edge of the open stages.

sales-usage = Mark a sales department: /departments sales N on (off to unmark).
sales-saved = { $name }: { $on ->
    [yes] now a sales department.
   *[no] no longer a sales department.
}
sales-list = Sales departments: { $names }

digest-funnel-title = <b>Lead funnel</b> (last week's leads: reached · conversion)
digest-funnel-head = Last week: { $cohort } new { $cohort ->
    [one] lead
   *[other] leads
}, won { $won }
digest-funnel-line = { $stage }: { $reached } ({ $conversion })
lead-card-next-steps = Next step:
lead-card-next-step = { "  " }#{ NUMBER($id, useGrouping: 0) } · { $due } · { $title }
lead-card-no-step = ⚠️ No next step: give the lead a task.
lead-btn-next-step = 📌 Next step
lead-handoff-task = Contact the client:
