# Messages de Bellwether en français. Mêmes clés et mêmes $variables que en.ftl (un test le vérifie).
# Les nombres arrivent déjà formatés.

## Unités des axes
unit-thousands = { $n } k
unit-millions = { $n } M
unit-billions = { $n } Md

## Le rapport
report-title = Due diligence d'acquisition : la base de clients
report-period = Achats du { $first } au { $last } : { $customers } clients, { $transactions } transactions.
section-summary = Synthèse
section-equity = Valeur du portefeuille clients
section-retention = Fidélisation et activité
section-concentration = Concentration
section-strategic = Clients stratégiques
section-jump-ship = Scénario de départs
section-acquirer = Affinité avec l'acquéreur
section-discounts = Dépendance aux remises
section-method = Méthode et qualité des données

kpi-equity = valeur du portefeuille sur { $months } mois
kpi-strategic-equity = de la valeur détenue par les clients stratégiques
kpi-top10 = du chiffre d'affaires réalisé avec les 10 premiers clients
kpi-jump-ship = de valeur que la fidélité stratégique préserve lors d'un rachat
kpi-strategic-count = clients stratégiques
kpi-strategic-revenue = du chiffre d'affaires issu des clients stratégiques
kpi-strategic-tenure = années médianes depuis le premier achat d'un client stratégique
kpi-acquirer-customers = des clients ({ $count }) utilisent déjà la pile de l'acquéreur
kpi-acquirer-revenue = du chiffre d'affaires issu de ces clients
kpi-acquirer-equity = de la valeur détenue par ces clients

summary-equity = La base de clients vaut { $equity } en valeur vie client actualisée ({ $interval }), pour { $customers } clients ayant acheté, modèle { $model } avec dépense Gamma-Gamma, sur { $months } mois à { $rate } par an.
summary-strategic = { $count } clients stratégiques ({ $customers } des clients) apportent { $revenue } du chiffre d'affaires et détiennent { $equity } de la valeur.
summary-risks = Principaux risques
risk-large-customer = Le client { $customer } apporte à lui seul { $value } du chiffre d'affaires.
risk-top10 = Les 10 premiers clients apportent { $value } du chiffre d'affaires.
risk-hhi = Le chiffre d'affaires est concentré : IHH de { $value } sur l'échelle 0–10 000.
risk-holdout = Le modèle fait une erreur ({ $direction }) de { $value } sur les achats répétés de la période de validation.
risk-low-strategic = Les clients stratégiques ne détiennent que { $value } de la valeur : peu d'acheteurs resteraient par attachement lors d'un rachat.
risk-discount = Les clients dépendants des remises et des coupons apportent { $value } du chiffre d'affaires.
risk-p-alive = Le client moyen est plus probablement perdu qu'actif (P(actif) moyenne de { $value }).
risk-wide-interval = L'intervalle de la valeur est large : { $value } de l'estimation.
risk-no-interval = L'incertitude des paramètres n'a pas pu être estimée : la valeur n'a pas d'intervalle.
risk-jump-ship = Si { $other } des autres clients et { $strategic } des clients stratégiques partent lors d'un rachat, { $value } de la valeur est perdue.
word-over = surestimation
word-under = sous-estimation

equity-interval = intervalle à { $level } de { $low } à { $high }
equity-no-interval = pas d'intervalle : la hessienne n'est pas définie positive
equity-intro = La valeur du portefeuille est la somme des dépenses futures attendues et actualisées de chaque client : { $equity } ({ $interval }). Le client moyen vaut { $mean }.
chart-equity-quadrant = Valeur du portefeuille par quadrant
chart-equity-segment = Valeur du portefeuille par segment (secteur)
segment-other = Autres segments
segment-unknown = Inconnu
quadrant-strategic = Stratégique
quadrant-showcase = Vitrine
quadrant-representative = Représentatif
quadrant-transactional = Transactionnel

col-group = Groupe
col-customers = Clients
col-revenue = Chiffre d'affaires à date
col-equity = Valeur
col-share-equity = Part de la valeur
col-share-revenue = Part du chiffre d'affaires
col-parameter = Paramètre
col-estimate = Estimation
col-std-error = Erreur type
col-eligible = Acquis il y a plus d'un an
col-active-last-year = Ont acheté la dernière année
col-mean-p-alive = P(actif) moyenne
col-item = Élément
col-value = Valeur

chart-cohorts = Fidélisation des cohortes par trimestre du premier achat
chart-cohorts-caption = Part de chaque cohorte (effectif entre parenthèses) ayant acheté dans chaque trimestre suivant ; le trimestre 0 est le premier.
chart-cohort-x = Trimestres depuis le premier achat
cohort-label = T{ $quarter } { $year }
cohorts-partial = Le dernier trimestre n'est pas terminé : sa colonne sous-estime la fidélisation.
chart-p-alive = Probabilité qu'un client soit encore actif
chart-p-alive-caption = Clients par P(actif) à la fin des données ; moyenne { $mean }.
chart-p-alive-x = P(actif)
chart-customers = Clients
legend-strategic = Stratégiques
legend-other = Autres
chart-tracking = Achats répétés cumulés : réels et modèle
chart-tracking-caption = { $model } ajusté sur les { $weeks } premières semaines seulement ; pendant la période de validation qui suit, { $actual } achats répétés ont eu lieu et le modèle en attendait { $expected }.
chart-repeat-purchases = Achats répétés
chart-weeks = Semaines depuis le premier achat des données
chart-calibration-end = fin de la calibration
legend-actual = Réel
legend-model = Modèle
tracking-none = L'historique est trop court pour une validation (il faut 26 semaines de calibration et 13 de validation).

top-n = Top { $n }
concentration-hhi = Indice de Herfindahl-Hirschman des parts de chiffre d'affaires : { $hhi } ({ $points } sur l'échelle 0–10 000) ; coefficient de Gini { $gini }.
concentration-no-large = Aucun client n'apporte plus de { $threshold } du chiffre d'affaires.
concentration-large = Alerte : le client { $customer } apporte { $share } du chiffre d'affaires, plus de { $threshold }.
chart-lorenz = Courbe de Lorenz du chiffre d'affaires
chart-lorenz-caption = Part du chiffre d'affaires des plus petits clients ; plus la courbe est sous la diagonale, plus la concentration est forte.
chart-share-customers = Part des clients (les plus petits d'abord)
chart-share-revenue = Part du chiffre d'affaires
legend-lorenz = Courbe de Lorenz
legend-equality = Répartition égale

strategic-p-alive = Probabilité moyenne d'être actif : { $strategic } pour les clients stratégiques, { $other } pour les autres.
strategic-discount-heavy = { $count } d'entre eux dépendent aussi des remises (voir Dépendance aux remises) : au sens de Fisher, un client attiré par les coupons n'est pas stratégique, sa fidélité est donc à considérer avec prudence.
chart-quadrants = Carte des quadrants : adéquation à l'audience cible et réputation dans leur propre secteur
chart-quadrants-caption = { $shown } clients affichés sur { $total } ; les tirets marquent les seuils des quadrants.
chart-fit = Adéquation à l'audience cible
chart-reputation = Réputation
chart-equity = Valeur du portefeuille

jump-ship-intro = Lors d'un rachat, certains clients partent. Ce scénario suppose que { $other } des clients non stratégiques et { $strategic } des clients stratégiques partent, en emportant toute leur valeur future.
chart-jump-ship = Valeur du portefeuille lors d'un rachat
jump-now = Aujourd'hui
jump-kept = Après le rachat
jump-kept-without = Sans fidélité stratégique
jump-ship-result = Valeur conservée : { $kept }. Si les clients stratégiques partaient au même taux que les autres, elle serait de { $without } : les relations stratégiques valent { $difference } pour l'acquéreur.

acquirer-intro = Les clients dont { $column } vaut { $value } utilisent déjà la pile de l'acquéreur.
acquirer-detail = { $strategic } d'entre eux sont des clients stratégiques ; la colonne est vide pour { $unknown } clients.
acquirer-none = Aucun acquéreur n'est désigné : ajoutez à bellwether.toml une section [acquirer] avec une colonne et une valeur.

discounts-intro = Un client dépend des remises quand au moins { $coupon } de ses achats utilisent un coupon ou que les remises atteignent { $discount } du prix catalogue : { $count } clients ({ $customers }), qui apportent { $revenue } du chiffre d'affaires et détiennent { $equity } de la valeur.
discounts-heavy = Dépendants des remises
discounts-rest = Les autres
discounts-note = Ont acheté la dernière année : part des clients acquis plus d'un an avant la fin des données qui ont de nouveau acheté au cours de sa dernière année.

method-models = Modèles
method-choice = Achats répétés : { $model }, retenu face à l'autre modèle pour sa log-vraisemblance plus élevée (tous deux ont quatre paramètres, donc aussi l'AIC le plus bas). Dépense par achat : Gamma-Gamma, ajusté sur les clients ayant des achats répétés.
method-fit-line = { $model } : log-vraisemblance { $ll }, AIC { $aic }, { $n } clients, { $iterations } itérations.
method-warning = Avertissement : { $text }
method-other-failed = L'autre modèle n'a pas pu être ajusté : { $error }
method-holdout = Validation : { $actual } achats répétés ont eu lieu après la période de calibration, et le modèle ajusté avant elle en attendait { $expected } (erreur de { $error }).
method-data = Couverture des données
method-assumptions = Hypothèses
model-bg-nbd = BG/NBD
model-pareto-nbd = Pareto/NBD
model-gamma-gamma = Gamma-Gamma

data-customers = Clients
data-with-purchases = Clients avec au moins un achat
data-transactions = Transactions
data-purchase-days = Jours d'achat (les achats d'un client le même jour comptent une fois)
data-non-positive = Transactions de montant nul ou négatif (remboursements, avoirs)
data-first = Premier achat
data-last = Dernier achat (fin de la période d'observation)
data-revenue = Chiffre d'affaires à date

assume-time = Le temps est mesuré en semaines ; les achats d'un même jour comptent pour un ; chaque client est observé de son premier achat au dernier jour des données.
assume-clv = La valeur vie client somme { $months } mois d'achats attendus multipliés par la dépense attendue, actualisés à { $rate } par an ({ $monthly } par mois).
assume-spend = La dépense par achat est indépendante de la fréquence d'achat (hypothèse du Gamma-Gamma ; voir les avertissements ci-dessus). Les clients sans achat répété reçoivent la dépense moyenne de la population.
assume-bootstrap = L'intervalle est un bootstrap paramétrique : { $draws } tirages de paramètres ({ $valid } utilisables) dans l'approximation normale des estimations de chaque modèle en échelle logarithmique (covariance = inverse de la hessienne), les modèles de transactions et de dépense étant tirés indépendamment ; chaque tirage est évalué sur { $sample } clients tirés proportionnellement à leur valeur vie client (graine { $seed }) ; intervalle de percentiles à { $level }. Il ne couvre que l'incertitude des paramètres, pas l'erreur de modèle.
assume-cohorts = Les cohortes sont les trimestres civils du premier achat ; un client est fidélisé dans un trimestre s'il y a acheté.
assume-concentration = La concentration utilise le chiffre d'affaires à date par client ; l'IHH est la somme des carrés des parts de chiffre d'affaires.
assume-jump-ship = Taux de départ lors d'un rachat : { $other } pour les clients non stratégiques et { $strategic } pour les clients stratégiques (leave_rate_other et leave_rate_strategic de la section [report] de bellwether.toml).
assume-strategic = Les clients stratégiques sont ceux du quadrant stratégique du score (adéquation et réputation toutes deux au-dessus des seuils).

## Messages de `bellwether report`
cli-report-written = rapport { $format } écrit dans { $path }
cli-report-summary = valeur du portefeuille { $equity } ({ $interval }) ; les clients stratégiques en détiennent { $share }

## The web app (bellwether serve)
ui-language = Langue
ui-sign-in = Se connecter
ui-sign-out = Se déconnecter
ui-email = E-mail
ui-password = Mot de passe
ui-wrong-password = E-mail ou mot de passe incorrect.
ui-users = Utilisateurs
ui-ranking-title = Classement des clients stratégiques
ui-search = Rechercher
ui-quadrant = Quadrant
ui-all = tous
ui-sort-by = Trier par
ui-apply = Appliquer
ui-customers-count = { $count } clients
ui-previous = précédente
ui-next = suivante
ui-page-of = page { $page } sur { $pages }
ui-col-customer = client
ui-col-name = nom
ui-col-industry = secteur
ui-col-country = pays
ui-col-score = score
ui-col-fit = adéquation
ui-col-reputation = réputation
ui-col-influence = influence
ui-customer-line = Client { $id }, rang { $rank }
ui-strategic-score = score stratégique
ui-coupon-share = part des achats avec coupon
ui-discount-share = part de remise
ui-why = Pourquoi
ui-requests = Demandes ({ $count })
ui-transactions = Transactions ({ $count })
ui-col-date = date
ui-col-amount = montant
ui-col-discount = remise
ui-col-coupon = coupon
ui-back = Retour au classement
ui-report = Rapport de due diligence
ui-customers = clients
ui-map = Carte des quadrants
ui-map-title = Adéquation et réputation de chaque client
ui-map-help = Chaque marque est un client : les clients stratégiques sont en haut à droite, au-delà des deux seuils en pointillés. { $shown } clients tracés sur { $count } (tous les stratégiques, puis un échantillon régulier).
ui-import = Importer
ui-import-title = Importer des exports CSV
ui-import-help = Choisissez les fichiers d'un même export, nommés { $files }. Chaque fichier est d'abord vérifié : si une ligne pose problème, rien n'est importé et chaque problème est indiqué avec son fichier, sa ligne et sa colonne.
ui-import-files = Fichiers
ui-import-submit = Vérifier et importer
ui-import-done = Importé : { $customers } clients ({ $new } nouveaux), { $transactions } transactions et { $requests } demandes.
ui-import-refused = Rien n'a été importé : corrigez ces problèmes et envoyez de nouveau les fichiers.
ui-import-problems = Problèmes ({ $count })
ui-partners = Partenaires de conception
ui-partners-title = Partenaires de conception et collaborations
ui-partners-help = Un ensemble équilibré de { $k } partenaires de conception, choisis pour couvrir les segments de l'audience cible (secteur × taille × pays). Le choix glouton vaut au moins 63 % du meilleur ensemble possible ; celui-ci couvre { $covered } de l'audience.
ui-partners-k = Nombre de partenaires
ui-col-pick = choix
ui-col-segment = segment
ui-col-gain = couverture gagnée
ui-collaborations = Collaborations ({ $count })
ui-col-collaboration = collaboration
ui-col-partners = partenaires
ui-col-requirement = exigence
ui-col-reach = autres clients demandeurs
ui-col-verdict = verdict
ui-broadly-sellable = vendable largement
ui-tailor-made = sur mesure
ui-no-collaborations = Aucune collaboration pour l'instant : importez collaborations.csv et requirements.csv, ou utilisez `bellwether collab add`.
ui-col-audience-share = part de l'audience
ui-collab-add = Ajouter à une collaboration
ui-collab-add-help = Un nouvel identifiant crée la collaboration ; un identifiant existant reçoit les partenaires et les exigences à la suite des siens.
ui-collab-id = Identifiant de la collaboration
ui-collab-name = Nom
ui-collab-started = Début (AAAA-MM-JJ)
ui-collab-partners = Identifiants des clients partenaires, séparés par des virgules
ui-collab-requirements = Exigences, une par ligne
ui-collab-language = Langue des exigences
ui-collab-submit = Enregistrer
ui-collab-saved = Collaboration { $id } enregistrée.
