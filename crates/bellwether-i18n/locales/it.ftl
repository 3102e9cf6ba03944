# Messaggi di Bellwether in italiano. Stesse chiavi e stesse $variabili di en.ftl (un test lo verifica).
# I numeri arrivano già formattati.

## Unità degli assi
unit-thousands = { $n } k
unit-millions = { $n } Mln
unit-billions = { $n } Mrd

## Il rapporto
report-title = Due diligence di acquisizione: la base clienti
report-period = Acquisti dal { $first } al { $last }: { $customers } clienti, { $transactions } transazioni.
section-summary = Sintesi
section-equity = Valore della base clienti
section-retention = Fidelizzazione e attività
section-concentration = Concentrazione
section-strategic = Clienti strategici
section-jump-ship = Scenario di abbandono
section-acquirer = Affinità con l'acquirente
section-discounts = Dipendenza dagli sconti
section-method = Metodo e qualità dei dati

kpi-equity = valore della base clienti su { $months } mesi
kpi-strategic-equity = del valore detenuto dai clienti strategici
kpi-top10 = del fatturato dai primi 10 clienti
kpi-jump-ship = di valore che la fedeltà strategica preserva in un'acquisizione
kpi-strategic-count = clienti strategici
kpi-strategic-revenue = del fatturato dai clienti strategici
kpi-strategic-tenure = anni mediani dal primo acquisto di un cliente strategico
kpi-acquirer-customers = dei clienti ({ $count }) usa già la piattaforma dell'acquirente
kpi-acquirer-revenue = del fatturato da questi clienti
kpi-acquirer-equity = del valore detenuto da questi clienti

summary-equity = La base clienti vale { $equity } in valore del ciclo di vita attualizzato ({ $interval }), da { $customers } clienti con acquisti, modello { $model } con spesa Gamma-Gamma, su { $months } mesi al { $rate } annuo.
summary-strategic = { $count } clienti strategici ({ $customers } dei clienti) portano il { $revenue } del fatturato e detengono il { $equity } del valore.
summary-risks = Rischi principali
risk-large-customer = Il cliente { $customer } da solo porta il { $value } del fatturato.
risk-top10 = I primi 10 clienti portano il { $value } del fatturato.
risk-hhi = Il fatturato è concentrato: HHI { $value } sulla scala 0–10.000.
risk-holdout = Il modello commette un errore ({ $direction }) del { $value } sugli acquisti ripetuti del periodo di verifica.
risk-low-strategic = I clienti strategici detengono solo il { $value } del valore: pochi acquirenti resterebbero per il rapporto durante un'acquisizione.
risk-discount = I clienti dipendenti da sconti e coupon portano il { $value } del fatturato.
risk-p-alive = Il cliente medio è più probabilmente perso che attivo (P(attivo) media { $value }).
risk-wide-interval = L'intervallo del valore è ampio: il { $value } della stima.
risk-no-interval = Non è stato possibile stimare l'incertezza dei parametri, quindi il valore non ha intervallo.
risk-jump-ship = Se in un'acquisizione se ne va il { $other } degli altri clienti e il { $strategic } dei clienti strategici, si perde il { $value } del valore.
word-over = sovrastima
word-under = sottostima

equity-interval = intervallo al { $level } da { $low } a { $high }
equity-no-interval = nessun intervallo: l'hessiana non è definita positiva
equity-intro = Il valore della base clienti è la somma della spesa futura attesa e attualizzata di ogni cliente: { $equity } ({ $interval }). Il cliente medio vale { $mean }.
chart-equity-quadrant = Valore della base clienti per quadrante
chart-equity-segment = Valore della base clienti per segmento (settore)
segment-other = Altri segmenti
segment-unknown = Sconosciuto
quadrant-strategic = Strategico
quadrant-showcase = Vetrina
quadrant-representative = Rappresentativo
quadrant-transactional = Transazionale

col-group = Gruppo
col-customers = Clienti
col-revenue = Fatturato a oggi
col-equity = Valore
col-share-equity = Quota del valore
col-share-revenue = Quota del fatturato
col-parameter = Parametro
col-estimate = Stima
col-std-error = Errore standard
col-eligible = Acquisiti da oltre un anno
col-active-last-year = Hanno acquistato nell'ultimo anno
col-mean-p-alive = P(attivo) media
col-item = Voce
col-value = Valore

chart-cohorts = Fidelizzazione delle coorti per trimestre del primo acquisto
chart-cohorts-caption = Quota di ogni coorte (numerosità tra parentesi) che ha acquistato in ciascun trimestre successivo; il trimestre 0 è il primo.
chart-cohort-x = Trimestri dal primo acquisto
cohort-label = T{ $quarter } { $year }
cohorts-partial = L'ultimo trimestre non è ancora concluso, quindi la sua colonna sottostima la fidelizzazione.
chart-p-alive = Probabilità che un cliente sia ancora attivo
chart-p-alive-caption = Clienti per P(attivo) alla fine dei dati; media { $mean }.
chart-p-alive-x = P(attivo)
chart-customers = Clienti
legend-strategic = Strategici
legend-other = Altri
chart-tracking = Acquisti ripetuti cumulati: effettivi e modello
chart-tracking-caption = { $model } stimato solo sulle prime { $weeks } settimane; nel periodo di verifica successivo ci sono stati { $actual } acquisti ripetuti e il modello ne prevedeva { $expected }.
chart-repeat-purchases = Acquisti ripetuti
chart-weeks = Settimane dal primo acquisto nei dati
chart-calibration-end = fine della calibrazione
legend-actual = Effettivi
legend-model = Modello
tracking-none = Lo storico è troppo breve per una verifica (servono 26 settimane di calibrazione e 13 di verifica).

top-n = Top { $n }
concentration-hhi = Indice di Herfindahl-Hirschman delle quote di fatturato: { $hhi } ({ $points } sulla scala 0–10.000); coefficiente di Gini { $gini }.
concentration-no-large = Nessun cliente porta più del { $threshold } del fatturato.
concentration-large = Attenzione: il cliente { $customer } porta il { $share } del fatturato, più del { $threshold }.
chart-lorenz = Curva di Lorenz del fatturato
chart-lorenz-caption = Quota del fatturato dai clienti più piccoli; più la curva è sotto la diagonale, più il fatturato è concentrato.
chart-share-customers = Quota dei clienti (dai più piccoli)
chart-share-revenue = Quota del fatturato
legend-lorenz = Curva di Lorenz
legend-equality = Fatturato uniforme

strategic-p-alive = Probabilità media di essere attivi: { $strategic } per i clienti strategici, { $other } per gli altri.
strategic-discount-heavy = { $count } di loro dipendono anche dagli sconti (vedere Dipendenza dagli sconti): nel senso di Fisher un cliente attratto dai coupon non è strategico, quindi la sua fedeltà va valutata con cautela.
chart-quadrants = Mappa dei quadranti: aderenza al pubblico obiettivo e reputazione nel proprio settore
chart-quadrants-caption = { $shown } clienti mostrati su { $total }; le linee tratteggiate sono le soglie dei quadranti.
chart-fit = Aderenza al pubblico obiettivo
chart-reputation = Reputazione
chart-equity = Valore della base clienti

jump-ship-intro = In un'acquisizione alcuni clienti se ne vanno. Lo scenario ipotizza che se ne vada il { $other } dei clienti non strategici e il { $strategic } di quelli strategici, portando con sé tutto il loro valore futuro.
chart-jump-ship = Valore della base clienti in un'acquisizione
jump-now = Oggi
jump-kept = Dopo l'acquisizione
jump-kept-without = Senza fedeltà strategica
jump-ship-result = Valore conservato: { $kept }. Se i clienti strategici se ne andassero al tasso degli altri sarebbe { $without }: le relazioni strategiche valgono { $difference } per l'acquirente.

acquirer-intro = I clienti con { $column } uguale a { $value } usano già la piattaforma dell'acquirente.
acquirer-detail = { $strategic } di loro sono clienti strategici; per { $unknown } clienti la colonna è vuota.
acquirer-none = Nessun acquirente indicato: aggiungete a bellwether.toml una sezione [acquirer] con una colonna e un valore.

discounts-intro = Un cliente dipende dagli sconti quando almeno il { $coupon } degli acquisti usa un coupon o gli sconti sono almeno il { $discount } del prezzo di listino: { $count } clienti ({ $customers }), che portano il { $revenue } del fatturato e detengono il { $equity } del valore.
discounts-heavy = Dipendenti dagli sconti
discounts-rest = Gli altri
discounts-note = Hanno acquistato nell'ultimo anno: quota dei clienti acquisiti più di un anno prima della fine dei dati che hanno acquistato di nuovo nel suo ultimo anno.

method-models = Modelli
method-choice = Acquisti ripetuti: { $model }, scelto rispetto all'altro modello per la log-verosimiglianza più alta (entrambi hanno quattro parametri, quindi anche l'AIC più basso). Spesa per acquisto: Gamma-Gamma, stimato sui clienti con acquisti ripetuti.
method-fit-line = { $model }: log-verosimiglianza { $ll }, AIC { $aic }, { $n } clienti, { $iterations } iterazioni.
method-warning = Avvertenza: { $text }
method-other-failed = Non è stato possibile stimare l'altro modello: { $error }
method-holdout = Verifica: dopo il periodo di calibrazione ci sono stati { $actual } acquisti ripetuti e il modello stimato prima ne prevedeva { $expected } (errore del { $error }).
method-data = Copertura dei dati
method-assumptions = Ipotesi
model-bg-nbd = BG/NBD
model-pareto-nbd = Pareto/NBD
model-gamma-gamma = Gamma-Gamma

data-customers = Clienti
data-with-purchases = Clienti con almeno un acquisto
data-transactions = Transazioni
data-purchase-days = Giorni di acquisto (gli acquisti di un cliente nello stesso giorno contano una volta)
data-non-positive = Transazioni di importo nullo o negativo (rimborsi, note di credito)
data-first = Primo acquisto
data-last = Ultimo acquisto (fine del periodo di osservazione)
data-revenue = Fatturato a oggi

assume-time = Il tempo è misurato in settimane; gli acquisti dello stesso giorno contano come uno; ogni cliente è osservato dal primo acquisto all'ultimo giorno dei dati.
assume-clv = Il valore del ciclo di vita somma { $months } mesi di acquisti attesi per la spesa attesa, attualizzati al { $rate } annuo ({ $monthly } al mese).
assume-spend = La spesa per acquisto è indipendente dalla frequenza di acquisto (ipotesi del Gamma-Gamma; vedere le avvertenze sopra). I clienti senza acquisti ripetuti ricevono la spesa media della popolazione.
assume-bootstrap = L'intervallo è un bootstrap parametrico: { $draws } estrazioni di parametri ({ $valid } utilizzabili) dall'approssimazione normale delle stime di ciascun modello in scala logaritmica (covarianza = inversa dell'hessiana), con i modelli di transazioni e di spesa estratti in modo indipendente; ogni estrazione è valutata su { $sample } clienti estratti in proporzione al loro valore (seme { $seed }); intervallo di percentili al { $level }. Copre solo l'incertezza dei parametri, non l'errore di modello.
assume-cohorts = Le coorti sono i trimestri di calendario del primo acquisto; un cliente è fidelizzato in un trimestre se vi ha acquistato.
assume-concentration = La concentrazione usa il fatturato a oggi per cliente; l'HHI è la somma dei quadrati delle quote di fatturato.
assume-jump-ship = Tassi di abbandono in un'acquisizione: { $other } per i clienti non strategici e { $strategic } per quelli strategici (leave_rate_other e leave_rate_strategic nella sezione [report] di bellwether.toml).
assume-strategic = I clienti strategici sono quelli nel quadrante strategico del punteggio (aderenza e reputazione entrambe sopra le soglie).

## Messaggi di `bellwether report`
cli-report-written = rapporto { $format } scritto in { $path }
cli-report-summary = valore della base clienti { $equity } ({ $interval }); i clienti strategici ne detengono il { $share }

## The web app (bellwether serve)
ui-language = Lingua
ui-sign-in = Accedi
ui-sign-out = Esci
ui-email = E-mail
ui-password = Password
ui-wrong-password = E-mail o password errata.
ui-users = Utenti
ui-ranking-title = Classifica dei clienti strategici
ui-search = Cerca
ui-quadrant = Quadrante
ui-all = tutti
ui-sort-by = Ordina per
ui-apply = Applica
ui-customers-count = { $count } clienti
ui-previous = precedente
ui-next = successiva
ui-page-of = pagina { $page } di { $pages }
ui-col-customer = cliente
ui-col-name = nome
ui-col-industry = settore
ui-col-country = paese
ui-col-score = punteggio
ui-col-fit = aderenza
ui-col-reputation = reputazione
ui-col-influence = influenza
ui-customer-line = Cliente { $id }, posizione { $rank }
ui-strategic-score = punteggio strategico
ui-coupon-share = quota di acquisti con coupon
ui-discount-share = quota di sconto
ui-why = Perché
ui-requests = Richieste ({ $count })
ui-transactions = Transazioni ({ $count })
ui-col-date = data
ui-col-amount = importo
ui-col-discount = sconto
ui-col-coupon = coupon
ui-back = Torna alla classifica
ui-report = Rapporto di due diligence
ui-customers = clienti
ui-map = Mappa dei quadranti
ui-map-title = Adeguatezza e reputazione di ogni cliente
ui-map-help = Ogni segno è un cliente: i clienti strategici stanno in alto a destra, oltre le due soglie tratteggiate. { $shown } clienti disegnati su { $count } (tutti gli strategici, poi un campione regolare).
ui-import = Importa
ui-import-title = Importa esportazioni CSV
ui-import-help = Scegli i file di una stessa esportazione, chiamati { $files }. Ogni file viene prima controllato: se una riga ha un problema, non si importa nulla e ogni problema è elencato con file, riga e colonna.
ui-import-files = File
ui-import-submit = Controlla e importa
ui-import-done = Importati { $customers } clienti ({ $new } nuovi), { $transactions } transazioni e { $requests } richieste.
ui-import-refused = Non è stato importato nulla: correggi questi problemi e carica di nuovo i file.
ui-import-problems = Problemi ({ $count })
ui-partners = Partner di progettazione
ui-partners-title = Partner di progettazione e collaborazioni
ui-partners-help = Un insieme equilibrato di { $k } partner di progettazione, scelti per coprire i segmenti del pubblico obiettivo (settore × dimensione × paese). La scelta greedy vale almeno il 63% del miglior insieme possibile; questo copre { $covered } del pubblico.
ui-partners-k = Quanti partner
ui-col-pick = scelta
ui-col-segment = segmento
ui-col-gain = copertura guadagnata
ui-collaborations = Collaborazioni ({ $count })
ui-col-collaboration = collaborazione
ui-col-partners = partner
ui-col-requirement = requisito
ui-col-reach = altri clienti che lo chiedono
ui-col-verdict = verdetto
ui-broadly-sellable = ampiamente vendibile
ui-tailor-made = su misura
ui-no-collaborations = Ancora nessuna collaborazione: importa collaborations.csv e requirements.csv, oppure usa `bellwether collab add`.
ui-col-audience-share = quota del pubblico
ui-collab-add = Aggiungi a una collaborazione
ui-collab-add-help = Un nuovo identificativo crea la collaborazione; a un identificativo esistente si aggiungono partner e requisiti dopo i suoi.
ui-collab-id = Identificativo della collaborazione
ui-collab-name = Nome
ui-collab-started = Inizio (AAAA-MM-GG)
ui-collab-partners = Identificativi dei clienti partner, separati da virgole
ui-collab-requirements = Requisiti, uno per riga
ui-collab-language = Lingua dei requisiti
ui-collab-submit = Salva
ui-collab-saved = Collaborazione { $id } salvata.
