# Bellwether's messages in English. Every key here must exist in fr.ftl, it.ftl and et.ftl
# with the same $variables (a test checks). Numbers arrive already formatted.

## Units for chart axes
unit-thousands = { $n }k
unit-millions = { $n }M
unit-billions = { $n }B

## The report
report-title = Acquisition due diligence: the customer base
report-period = Purchases from { $first } to { $last }: { $customers } customers, { $transactions } transactions.
section-summary = Executive summary
section-equity = Customer equity
section-retention = Retention and activity
section-concentration = Concentration
section-strategic = Strategic customers
section-jump-ship = Jump-ship scenario
section-acquirer = Acquirer affinity
section-discounts = Discount dependence
section-method = Method and data quality

kpi-equity = customer equity over { $months } months
kpi-strategic-equity = of equity held by strategic customers
kpi-top10 = of revenue from the top 10 customers
kpi-jump-ship = equity that strategic loyalty keeps in a buy-out
kpi-strategic-count = strategic customers
kpi-strategic-revenue = of revenue from strategic customers
kpi-strategic-tenure = median years since a strategic customer's first purchase
kpi-acquirer-customers = of customers ({ $count }) already run the acquirer's stack
kpi-acquirer-revenue = of revenue from them
kpi-acquirer-equity = of equity held by them

summary-equity = The customer base is worth { $equity } in discounted customer lifetime value ({ $interval }), from { $customers } customers with purchases, { $model } with Gamma-Gamma spend, over { $months } months at { $rate } a year.
summary-strategic = { $count } strategic customers ({ $customers } of customers) bring { $revenue } of revenue and hold { $equity } of equity.
summary-risks = Biggest risks
risk-large-customer = Customer { $customer } alone brings { $value } of revenue.
risk-top10 = The top 10 customers bring { $value } of revenue.
risk-hhi = Revenue is concentrated: HHI { $value } on the 0–10,000 scale.
risk-holdout = The model { $direction }-predicts repeat purchases in the holdout period by { $value }.
risk-low-strategic = Strategic customers hold only { $value } of equity: few buyers would stay through a buy-out for the relationship.
risk-discount = Discount- and coupon-heavy customers bring { $value } of revenue.
risk-p-alive = The average customer is more likely gone than active (mean P(alive) { $value }).
risk-wide-interval = The equity interval is wide: { $value } of the estimate.
risk-no-interval = The parameter uncertainty could not be estimated, so the equity has no interval.
risk-jump-ship = If { $other } of other customers and { $strategic } of strategic customers leave in a buy-out, { $value } of equity is lost.
word-over = over
word-under = under

equity-interval = { $level } interval { $low } to { $high }
equity-no-interval = no interval: the Hessian was not positive definite
equity-intro = Customer equity is the sum of every customer's discounted expected future spend: { $equity } ({ $interval }). The mean customer is worth { $mean }.
chart-equity-quadrant = Customer equity by quadrant
chart-equity-segment = Customer equity by segment (industry)
segment-other = Other segments
segment-unknown = Unknown
quadrant-strategic = Strategic
quadrant-showcase = Showcase
quadrant-representative = Representative
quadrant-transactional = Transactional

col-group = Group
col-customers = Customers
col-revenue = Revenue to date
col-equity = Equity
col-share-equity = Share of equity
col-share-revenue = Share of revenue
col-parameter = Parameter
col-estimate = Estimate
col-std-error = Std. error
col-eligible = Acquired over a year ago
col-active-last-year = Bought in the last year
col-mean-p-alive = Mean P(alive)
col-item = Item
col-value = Value

chart-cohorts = Cohort retention by quarter of first purchase
chart-cohorts-caption = Share of each cohort (its size in brackets) that bought in each later quarter; quarter 0 is the first.
chart-cohort-x = Quarters since the first purchase
cohort-label = Q{ $quarter } { $year }
cohorts-partial = The last quarter is not over yet, so its column understates retention.
chart-p-alive = Probability that a customer is still active
chart-p-alive-caption = Customers by P(alive) at the end of the data; mean { $mean }.
chart-p-alive-x = P(alive)
chart-customers = Customers
legend-strategic = Strategic
legend-other = Others
chart-tracking = Cumulative repeat purchases: actual and model
chart-tracking-caption = { $model } fitted on the first { $weeks } weeks only; in the holdout period after that, { $actual } repeat purchases happened and the model expected { $expected }.
chart-repeat-purchases = Repeat purchases
chart-weeks = Weeks since the first purchase in the data
chart-calibration-end = end of calibration
legend-actual = Actual
legend-model = Model
tracking-none = The history is too short for a holdout check (it needs 26 weeks of calibration and 13 of holdout).

top-n = Top { $n }
concentration-hhi = Herfindahl-Hirschman index of revenue shares: { $hhi } ({ $points } on the 0–10,000 scale); Gini coefficient { $gini }.
concentration-no-large = No customer brings more than { $threshold } of revenue.
concentration-large = Flag: customer { $customer } brings { $share } of revenue, more than { $threshold }.
chart-lorenz = Lorenz curve of revenue
chart-lorenz-caption = Share of revenue from the smallest customers; the further below the diagonal, the more concentrated.
chart-share-customers = Share of customers (smallest first)
chart-share-revenue = Share of revenue
legend-lorenz = Lorenz curve
legend-equality = Equal revenue

strategic-p-alive = Mean probability of being active: { $strategic } for strategic customers, { $other } for the others.
strategic-discount-heavy = { $count } of them are also discount-heavy (see Discount dependence): coupon-driven customers are not strategic in Fisher's sense, so treat their loyalty with care.
chart-quadrants = Quadrant map: fit to the target audience against reputation in their own field
chart-quadrants-caption = { $shown } of { $total } customers shown; dashed lines are the quadrant thresholds.
chart-fit = Fit to the target audience
chart-reputation = Reputation
chart-equity = Customer equity

jump-ship-intro = In a buy-out some customers leave. This scenario assumes { $other } of non-strategic customers and { $strategic } of strategic customers leave, and that those who leave take their whole future value with them.
chart-jump-ship = Customer equity through a buy-out
jump-now = Today
jump-kept = After the buy-out
jump-kept-without = Without strategic loyalty
jump-ship-result = Equity kept: { $kept }. Had strategic customers left at the non-strategic rate it would be { $without }: strategic relationships are worth { $difference } to the acquirer.

acquirer-intro = Customers whose { $column } is { $value } already run the acquirer's stack.
acquirer-detail = { $strategic } of them are strategic customers; for { $unknown } customers the column is empty.
acquirer-none = No acquirer is named: add an [acquirer] section with a column and a value to bellwether.toml.

discounts-intro = A customer is discount-heavy when at least { $coupon } of purchases used a coupon or discounts are at least { $discount } of list price: { $count } customers ({ $customers }), bringing { $revenue } of revenue and holding { $equity } of equity.
discounts-heavy = Discount-heavy
discounts-rest = The rest
discounts-note = Bought in the last year: share of the customers acquired more than a year before the end of the data who bought again in its last year.

method-models = Models
method-choice = Repeat purchases: { $model }, chosen over the other model by the higher log-likelihood (both have four parameters, so also the lower AIC). Spend per purchase: Gamma-Gamma, fitted on customers with repeat purchases.
method-fit-line = { $model }: log-likelihood { $ll }, AIC { $aic }, { $n } customers, { $iterations } iterations.
method-warning = Warning: { $text }
method-other-failed = The other model could not be fitted: { $error }
method-holdout = Holdout check: { $actual } repeat purchases happened after the calibration period and the model fitted before it expected { $expected } ({ $error } error).
method-data = Data coverage
method-assumptions = Assumptions
model-bg-nbd = BG/NBD
model-pareto-nbd = Pareto/NBD
model-gamma-gamma = Gamma-Gamma

data-customers = Customers
data-with-purchases = Customers with at least one purchase
data-transactions = Transactions
data-purchase-days = Purchase days (a customer's purchases on one day count once)
data-non-positive = Transactions of zero or negative amount (refunds, credits)
data-first = First purchase
data-last = Last purchase (end of the observation period)
data-revenue = Revenue to date

assume-time = Time is measured in weeks; purchases on the same day count as one; every customer is observed from the first purchase to the last day of the data.
assume-clv = CLV sums { $months } months of expected purchases times expected spend, discounted at { $rate } a year ({ $monthly } a month).
assume-spend = Spend per purchase is independent of purchase frequency (Gamma-Gamma's assumption; check the warnings above). Customers without repeat purchases get the population mean spend.
assume-bootstrap = The interval is a parametric bootstrap: { $draws } parameter draws ({ $valid } usable) from the normal approximation of each model's estimates in log space (covariance = inverse Hessian), the transaction and spend models drawn independently; each draw is evaluated on { $sample } customers drawn proportionally to their CLV (seed { $seed }); { $level } percentile interval. It covers parameter uncertainty only, not model error.
assume-cohorts = Cohorts are calendar quarters of the first purchase; a customer is retained in a quarter when it bought in it.
assume-concentration = Concentration uses revenue to date per customer; HHI is the sum of squared revenue shares.
assume-jump-ship = Buy-out leave rates: { $other } for non-strategic and { $strategic } for strategic customers ([report] leave_rate_other and leave_rate_strategic in bellwether.toml).
assume-strategic = Strategic customers are those in the strategic quadrant of the score (fit and reputation both above the thresholds).

## CLI messages of `bellwether report`
cli-report-written = wrote the { $format } report to { $path }
cli-report-summary = customer equity { $equity } ({ $interval }); strategic customers hold { $share } of it

## The web app (bellwether serve)
ui-language = Language
ui-sign-in = Sign in
ui-sign-out = Sign out
ui-email = Email
ui-password = Password
ui-wrong-password = Wrong email or password.
ui-users = Users
ui-ranking-title = Strategic-customer ranking
ui-search = Search
ui-quadrant = Quadrant
ui-all = all
ui-sort-by = Sort by
ui-apply = Apply
ui-customers-count = { $count } customers
ui-previous = previous
ui-next = next
ui-page-of = page { $page } of { $pages }
ui-col-customer = customer
ui-col-name = name
ui-col-industry = industry
ui-col-country = country
ui-col-score = score
ui-col-fit = fit
ui-col-reputation = reputation
ui-col-influence = influence
ui-customer-line = Customer { $id }, rank { $rank }
ui-strategic-score = strategic score
ui-coupon-share = coupon share
ui-discount-share = discount share
ui-why = Why
ui-requests = Requests ({ $count })
ui-transactions = Transactions ({ $count })
ui-col-date = date
ui-col-amount = amount
ui-col-discount = discount
ui-col-coupon = coupon
ui-back = Back to the ranking
ui-report = Due-diligence report
ui-customers = customers
ui-map = Quadrant map
ui-map-title = Fit and reputation of every customer
ui-map-help = Each mark is a customer: strategic customers sit top right, above both dashed thresholds. { $shown } of { $count } customers drawn (every strategic one, then an even sample).
ui-import = Import
ui-import-title = Import CSV exports
ui-import-help = Choose the files of one export, named { $files }. Every file is checked first: if any row has a problem, nothing is imported and every problem is listed with its file, line and column.
ui-import-files = Files
ui-import-submit = Check and import
ui-import-done = Imported { $customers } customers ({ $new } new), { $transactions } transactions and { $requests } requests.
ui-import-refused = Nothing was imported: fix these problems and upload the files again.
ui-import-problems = Problems ({ $count })
ui-partners = Design partners
ui-partners-title = Design partners and collaborations
ui-partners-help = A balanced set of { $k } design partners, chosen to cover the target audience's segments (industry × size × country). The greedy choice is worth at least 63% of the best possible set; this one covers { $covered } of the audience.
ui-partners-k = How many partners
ui-col-pick = pick
ui-col-segment = segment
ui-col-gain = coverage gained
ui-collaborations = Collaborations ({ $count })
ui-col-collaboration = collaboration
ui-col-partners = partners
ui-col-requirement = requirement
ui-col-reach = other customers asking
ui-col-verdict = verdict
ui-broadly-sellable = broadly sellable
ui-tailor-made = tailor-made
ui-no-collaborations = No collaboration yet: import collaborations.csv and requirements.csv, or use `bellwether collab add`.
ui-col-audience-share = share of the audience
ui-collab-add = Add to a collaboration
ui-collab-add-help = A new id creates the collaboration; an existing id gets the partners and requirements added after its own.
ui-collab-id = Collaboration id
ui-collab-name = Name
ui-collab-started = Started (YYYY-MM-DD)
ui-collab-partners = Partner customer ids, separated by commas
ui-collab-requirements = Requirements, one per line
ui-collab-language = Language of the requirements
ui-collab-submit = Save
ui-collab-saved = Saved collaboration { $id }.
