# Bellwetheri sõnumid eesti keeles. Samad võtmed ja samad $muutujad kui en.ftl-is (test kontrollib).
# Arvud saabuvad juba vormindatuna.

## Telgede ühikud
unit-thousands = { $n } tuh
unit-millions = { $n } mln
unit-billions = { $n } mld

## Aruanne
report-title = Omandamise eelkontroll: kliendibaas
report-period = Ostud vahemikus { $first } kuni { $last }: { $customers } klienti, { $transactions } tehingut.
section-summary = Kokkuvõte
section-equity = Kliendibaasi väärtus
section-retention = Hoidmine ja aktiivsus
section-concentration = Kontsentratsioon
section-strategic = Strateegilised kliendid
section-jump-ship = Lahkumise stsenaarium
section-acquirer = Sobivus omandajaga
section-discounts = Sõltuvus allahindlustest
section-method = Meetod ja andmete kvaliteet

kpi-equity = kliendibaasi väärtus { $months } kuu jooksul
kpi-strategic-equity = väärtusest kuulub strateegilistele klientidele
kpi-top10 = käibest tuleb 10 suurimalt kliendilt
kpi-jump-ship = väärtust, mille strateegiline lojaalsus ülevõtmisel säilitab
kpi-strategic-count = strateegilist klienti
kpi-strategic-revenue = käibest tuleb strateegilistelt klientidelt
kpi-strategic-tenure = aastat strateegilise kliendi esimesest ostust (mediaan)
kpi-acquirer-customers = klientidest ({ $count }) kasutab juba omandaja platvormi
kpi-acquirer-revenue = käibest tuleb neilt
kpi-acquirer-equity = väärtusest kuulub neile

summary-equity = Kliendibaasi diskonteeritud kliendi eluea väärtus on { $equity } ({ $interval }), arvutatud { $customers } ostnud kliendi põhjal mudeliga { $model } ja Gamma-Gamma kulutustega, { $months } kuu jooksul ja { $rate } aastase diskontomääraga.
summary-strategic = { $count } strateegilist klienti ({ $customers } klientidest) toovad { $revenue } käibest ja neile kuulub { $equity } väärtusest.
summary-risks = Suurimad riskid
risk-large-customer = Klient { $customer } üksi toob { $value } käibest.
risk-top10 = 10 suurimat klienti toovad { $value } käibest.
risk-hhi = Käive on kontsentreeritud: HHI { $value } skaalal 0–10 000.
risk-holdout = Mudeli viga ({ $direction }) kontrollperioodi korduvostudes on { $value }.
risk-low-strategic = Strateegilistele klientidele kuulub vaid { $value } väärtusest: ülevõtmisel jääks suhte pärast alles vähe ostjaid.
risk-discount = Allahindlustest ja kupongidest sõltuvad kliendid toovad { $value } käibest.
risk-p-alive = Keskmine klient on pigem lahkunud kui aktiivne (keskmine P(aktiivne) { $value }).
risk-wide-interval = Väärtuse vahemik on lai: { $value } hinnangust.
risk-no-interval = Parameetrite määramatust ei õnnestunud hinnata, seega väärtusel pole vahemikku.
risk-jump-ship = Kui ülevõtmisel lahkub { $other } teistest klientidest ja { $strategic } strateegilistest klientidest, läheb kaotsi { $value } väärtusest.
word-over = ülehindab
word-under = alahindab

equity-interval = { $level } vahemik { $low } kuni { $high }
equity-no-interval = vahemik puudub: Hesse maatriks ei ole positiivselt määratud
equity-intro = Kliendibaasi väärtus on kõigi klientide oodatava diskonteeritud tulevase kulutuse summa: { $equity } ({ $interval }). Keskmise kliendi väärtus on { $mean }.
chart-equity-quadrant = Kliendibaasi väärtus kvadrantide kaupa
chart-equity-segment = Kliendibaasi väärtus segmentide (tegevusalade) kaupa
segment-other = Muud segmendid
segment-unknown = Teadmata
quadrant-strategic = Strateegiline
quadrant-showcase = Eeskuju
quadrant-representative = Esinduslik
quadrant-transactional = Tehinguline

col-group = Rühm
col-customers = Kliente
col-revenue = Käive tänaseni
col-equity = Väärtus
col-share-equity = Osa väärtusest
col-share-revenue = Osa käibest
col-parameter = Parameeter
col-estimate = Hinnang
col-std-error = Standardviga
col-eligible = Omandatud üle aasta tagasi
col-active-last-year = Ostsid viimasel aastal
col-mean-p-alive = Keskmine P(aktiivne)
col-item = Näitaja
col-value = Väärtus

chart-cohorts = Kohortide hoidmine esimese ostu kvartali järgi
chart-cohorts-caption = Iga kohordi (suurus sulgudes) osa, kes ostis igas järgnevas kvartalis; kvartal 0 on esimene.
chart-cohort-x = Kvartaleid esimesest ostust
cohort-label = { $quarter }. kv { $year }
cohorts-partial = Viimane kvartal pole veel lõppenud, seega alahindab selle veerg hoidmist.
chart-p-alive = Tõenäosus, et klient on endiselt aktiivne
chart-p-alive-caption = Kliendid P(aktiivne) järgi andmete lõpus; keskmine { $mean }.
chart-p-alive-x = P(aktiivne)
chart-customers = Kliente
legend-strategic = Strateegilised
legend-other = Teised
chart-tracking = Kumulatiivsed korduvostud: tegelikud ja mudel
chart-tracking-caption = { $model } on hinnatud ainult esimese { $weeks } nädala põhjal; järgneval kontrollperioodil tehti { $actual } korduvostu ja mudel ootas { $expected }.
chart-repeat-purchases = Korduvostud
chart-weeks = Nädalaid andmete esimesest ostust
chart-calibration-end = kalibreerimise lõpp
legend-actual = Tegelik
legend-model = Mudel
tracking-none = Ajalugu on kontrolliks liiga lühike (vaja on 26 nädalat kalibreerimist ja 13 nädalat kontrolli).

top-n = TOP { $n }
concentration-hhi = Käibeosade Herfindahli-Hirschmani indeks: { $hhi } ({ $points } skaalal 0–10 000); Gini koefitsient { $gini }.
concentration-no-large = Ükski klient ei too üle { $threshold } käibest.
concentration-large = Hoiatus: klient { $customer } toob { $share } käibest, rohkem kui { $threshold }.
chart-lorenz = Käibe Lorenzi kõver
chart-lorenz-caption = Väikseimate klientide osa käibest; mida kaugemal diagonaalist allpool, seda kontsentreeritum.
chart-share-customers = Osa klientidest (väikseimad enne)
chart-share-revenue = Osa käibest
legend-lorenz = Lorenzi kõver
legend-equality = Võrdne käive

strategic-p-alive = Keskmine aktiivsuse tõenäosus: strateegilistel klientidel { $strategic }, teistel { $other }.
strategic-discount-heavy = Neist { $count } sõltuvad ka allahindlustest (vt Sõltuvus allahindlustest): Fisheri mõttes ei ole kupongidest ajendatud klient strateegiline, seega tuleb nende lojaalsusesse suhtuda ettevaatlikult.
chart-quadrants = Kvadrantide kaart: sobivus sihtrühmaga ja maine oma valdkonnas
chart-quadrants-caption = Näidatud { $shown } klienti { $total }-st; katkendjooned on kvadrantide piirid.
chart-fit = Sobivus sihtrühmaga
chart-reputation = Maine
chart-equity = Kliendibaasi väärtus

jump-ship-intro = Ülevõtmisel lahkuvad mõned kliendid. Stsenaarium eeldab, et lahkub { $other } mittestrateegilistest ja { $strategic } strateegilistest klientidest ning lahkujad viivad kaasa kogu oma tulevase väärtuse.
chart-jump-ship = Kliendibaasi väärtus ülevõtmisel
jump-now = Täna
jump-kept = Pärast ülevõtmist
jump-kept-without = Ilma strateegilise lojaalsuseta
jump-ship-result = Säilinud väärtus: { $kept }. Kui strateegilised kliendid lahkuksid teistega sama määraga, oleks see { $without }: strateegilised suhted on omandajale väärt { $difference }.

acquirer-intro = Kliendid, kelle { $column } on { $value }, kasutavad juba omandaja platvormi.
acquirer-detail = Neist { $strategic } on strateegilised kliendid; { $unknown } kliendil on veerg tühi.
acquirer-none = Omandajat pole nimetatud: lisage bellwether.toml-i jaotis [acquirer] veeru ja väärtusega.

discounts-intro = Klient sõltub allahindlustest, kui vähemalt { $coupon } ostudest on kupongiga või allahindlused on vähemalt { $discount } hinnakirjahinnast: { $count } klienti ({ $customers }), kes toovad { $revenue } käibest ja kellele kuulub { $equity } väärtusest.
discounts-heavy = Allahindlustest sõltuvad
discounts-rest = Ülejäänud
discounts-note = Ostsid viimasel aastal: nende klientide osa, kes omandati rohkem kui aasta enne andmete lõppu ja ostsid uuesti andmete viimasel aastal.

method-models = Mudelid
method-choice = Korduvostud: { $model }, valitud teise mudeli asemel suurema log-tõepära tõttu (mõlemal on neli parameetrit, seega ka väiksem AIC). Kulutus ostu kohta: Gamma-Gamma, hinnatud korduvostudega klientidel.
method-fit-line = { $model }: log-tõepära { $ll }, AIC { $aic }, { $n } klienti, { $iterations } iteratsiooni.
method-warning = Hoiatus: { $text }
method-other-failed = Teist mudelit ei õnnestunud hinnata: { $error }
method-holdout = Kontroll: pärast kalibreerimisperioodi tehti { $actual } korduvostu ja enne seda hinnatud mudel ootas { $expected } (viga { $error }).
method-data = Andmete katvus
method-assumptions = Eeldused
model-bg-nbd = BG/NBD
model-pareto-nbd = Pareto/NBD
model-gamma-gamma = Gamma-Gamma

data-customers = Kliente
data-with-purchases = Vähemalt ühe ostuga kliente
data-transactions = Tehinguid
data-purchase-days = Ostupäevi (kliendi samal päeval tehtud ostud loetakse üheks)
data-non-positive = Null- või negatiivse summaga tehinguid (tagastused, kreeditarved)
data-first = Esimene ost
data-last = Viimane ost (vaatlusperioodi lõpp)
data-revenue = Käive tänaseni

assume-time = Aega mõõdetakse nädalates; samal päeval tehtud ostud loetakse üheks; iga klienti vaadeldakse esimesest ostust andmete viimase päevani.
assume-clv = Kliendi eluea väärtus liidab { $months } kuu oodatavad ostud korrutatuna oodatava kulutusega, diskonteerituna { $rate } aastas ({ $monthly } kuus).
assume-spend = Kulutus ostu kohta ei sõltu ostusagedusest (Gamma-Gamma eeldus; vt hoiatusi eespool). Korduvostudeta kliendid saavad populatsiooni keskmise kulutuse.
assume-bootstrap = Vahemik on parameetriline bootstrap: { $draws } parameetrite valimit ({ $valid } kasutatavat) iga mudeli hinnangute normaallähendist logaritmilises skaalas (kovariatsioon = Hesse maatriksi pöördmaatriks), tehingute ja kulutuste mudelid valitakse sõltumatult; iga valimit hinnatakse { $sample } kliendil, kes on valitud võrdeliselt nende eluea väärtusega (seeme { $seed }); { $level } protsentiilivahemik. See katab ainult parameetrite määramatuse, mitte mudeli viga.
assume-cohorts = Kohordid on esimese ostu kalendrikvartalid; klient on kvartalis hoitud, kui ta selles ostis.
assume-concentration = Kontsentratsioon kasutab iga kliendi käivet tänaseni; HHI on käibeosade ruutude summa.
assume-jump-ship = Lahkumismäärad ülevõtmisel: mittestrateegilistel klientidel { $other } ja strateegilistel { $strategic } (bellwether.toml-i jaotise [report] leave_rate_other ja leave_rate_strategic).
assume-strategic = Strateegilised kliendid on skoori strateegilises kvadrandis (sobivus ja maine mõlemad üle piiri).

## Käsu `bellwether report` sõnumid
cli-report-written = { $format }-aruanne kirjutati faili { $path }
cli-report-summary = kliendibaasi väärtus { $equity } ({ $interval }); strateegilistele klientidele kuulub sellest { $share }

## The web app (bellwether serve)
ui-language = Keel
ui-sign-in = Logi sisse
ui-sign-out = Logi välja
ui-email = E-post
ui-password = Parool
ui-wrong-password = Vale e-post või parool.
ui-users = Kasutajad
ui-ranking-title = Strateegiliste klientide pingerida
ui-search = Otsi
ui-quadrant = Kvadrant
ui-all = kõik
ui-sort-by = Järjesta
ui-apply = Rakenda
ui-customers-count = { $count } klienti
ui-previous = eelmine
ui-next = järgmine
ui-page-of = lehekülg { $page }/{ $pages }
ui-col-customer = klient
ui-col-name = nimi
ui-col-industry = tegevusala
ui-col-country = riik
ui-col-score = skoor
ui-col-fit = sobivus
ui-col-reputation = maine
ui-col-influence = mõju
ui-customer-line = Klient { $id }, koht { $rank }
ui-strategic-score = strateegiline skoor
ui-coupon-share = kupongiga ostude osa
ui-discount-share = allahindluse osa
ui-why = Miks
ui-requests = Päringud ({ $count })
ui-transactions = Tehingud ({ $count })
ui-col-date = kuupäev
ui-col-amount = summa
ui-col-discount = allahindlus
ui-col-coupon = kupong
ui-back = Tagasi pingeritta
ui-report = Due diligence aruanne
ui-customers = kliendid
ui-map = Kvadrantide kaart
ui-map-title = Iga kliendi sobivus ja maine
ui-map-help = Iga märk on klient: strateegilised kliendid on üleval paremal, mõlemast punktiirjoonega lävest kõrgemal. Joonisel { $shown } klienti { $count }-st (kõik strateegilised, seejärel ühtlane valim).
ui-import = Impordi
ui-import-title = CSV-ekspordi importimine
ui-import-help = Vali ühe ekspordi failid nimedega { $files }. Kõigepealt kontrollitakse iga faili: kui mõnes reas on viga, ei impordita midagi ja iga viga näidatakse koos faili, rea ja veeruga.
ui-import-files = Failid
ui-import-submit = Kontrolli ja impordi
ui-import-done = Imporditud { $customers } klienti ({ $new } uut), { $transactions } tehingut ja { $requests } soovi.
ui-import-refused = Midagi ei imporditud: paranda need vead ja laadi failid uuesti üles.
ui-import-problems = Vead ({ $count })
ui-partners = Arenduspartnerid
ui-partners-title = Arenduspartnerid ja koostööd
ui-partners-help = Tasakaalustatud valik { $k } arenduspartnerist, kes katavad sihtrühma segmendid (valdkond × suurus × riik). Ahne valik annab vähemalt 63% parimast võimalikust valikust; see valik katab { $covered } sihtrühmast.
ui-partners-k = Partnerite arv
ui-col-pick = valik
ui-col-segment = segment
ui-col-gain = lisandunud katvus
ui-collaborations = Koostööd ({ $count })
ui-col-collaboration = koostöö
ui-col-partners = partnerid
ui-col-requirement = nõue
ui-col-reach = teised kliendid, kes seda soovivad
ui-col-verdict = hinnang
ui-broadly-sellable = laialt müüdav
ui-tailor-made = eritellimus
ui-no-collaborations = Koostöid veel pole: impordi collaborations.csv ja requirements.csv või kasuta käsku `bellwether collab add`.
ui-col-audience-share = osa sihtrühmast
ui-collab-add = Lisa koostööle
ui-collab-add-help = Uus tunnus loob koostöö; olemasolevale tunnusele lisatakse partnerid ja nõuded olemasolevate järele.
ui-collab-id = Koostöö tunnus
ui-collab-name = Nimi
ui-collab-started = Algus (AAAA-KK-PP)
ui-collab-partners = Partnerklientide tunnused, komadega eraldatud
ui-collab-requirements = Nõuded, üks rea kohta
ui-collab-language = Nõuete keel
ui-collab-submit = Salvesta
ui-collab-saved = Koostöö { $id } salvestatud.
