package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds kyso's series. Its methods are safe for concurrent use; a
// nil *Registry records nothing, so a component built without metrics
// (kyso verify, a unit test) needs no special case.
type Registry struct {
	reg *prometheus.Registry

	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	errors       *prometheus.CounterVec
	signatures   *prometheus.CounterVec
	vault        *prometheus.HistogramVec
	vaultBatch   prometheus.Histogram
	db           *prometheus.HistogramVec
	issued       *prometheus.CounterVec
	revoked      *prometheus.CounterVec
	authFailures *prometheus.CounterVec
}

// latencyBuckets span a cached OCSP answer (a millisecond) to a batch
// signature near the request timeout (30 s).
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// New returns a Registry with kyso's series and the Go runtime and process
// collectors.
func New() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kyso_http_requests_total",
			Help: "HTTP requests answered, by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kyso_http_request_duration_seconds",
			Help:    "Time from the request's headers to the end of its answer, by method and route template.",
			Buckets: latencyBuckets,
		}, []string{"method", "route"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kyso_http_errors_total",
			Help: "Error answers by route template and the error's stable code (docs/errors.md); database_unavailable and vault_unavailable count requests a backend failed.",
		}, []string{"route", "code"}),
		signatures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kyso_signatures_total",
			Help: "Signatures made and audited, by format (pdf, cms, hash, xml), level (B-B, B-T, B-LT, CMS, …) and the signing certificate's profile (citizen, official, seal).",
		}, []string{"format", "level", "profile"}),
		vault: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kyso_vault_request_duration_seconds",
			Help:    "Calls to Vault, by operation (sign, sign_batch, encrypt, decrypt, read_key, create_key, …, health) and result (ok, unavailable, forbidden, not_found, invalid, error).",
			Buckets: latencyBuckets,
		}, []string{"operation", "result"}),
		vaultBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kyso_vault_sign_batch_size",
			Help:    "Digests per Transit sign request: 1 for a signature sent alone, more for a batch_input request (coalesced signatures, batch signing).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		db: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kyso_db_request_duration_seconds",
			Help:    "Calls to the database, by operation (read, write, transaction, ping) and result (ok, unavailable, conflict, not_found, full, canceled, error).",
			Buckets: latencyBuckets,
		}, []string{"operation", "result"}),
		issued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kyso_certificates_issued_total",
			Help: "Certificates issued, by profile and operation (issue, rotate, renew).",
		}, []string{"profile", "operation"}),
		revoked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kyso_certificates_revoked_total",
			Help: "Certificates revoked, by profile and reason (RFC 5280, 5.3.1).",
		}, []string{"profile", "reason"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kyso_auth_failures_total",
			Help: "Rejected credentials, by kind (admin, client, client-certificate).",
		}, []string{"kind"}),
	}
	r.reg.MustRegister(r.requests, r.latency, r.errors, r.signatures, r.vault, r.vaultBatch, r.db, r.issued, r.revoked, r.authFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Handler serves the registry in the Prometheus exposition formats.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg})
}

// Request counts an answered HTTP request. route is the route template
// ("/v1/certificates/{id}"), or "unmatched" for a path no route serves.
func (r *Registry) Request(method, route string, status int, d time.Duration) {
	if r == nil {
		return
	}
	r.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	r.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// Error counts an error answer by its stable code.
func (r *Registry) Error(route, code string) {
	if r == nil {
		return
	}
	r.errors.WithLabelValues(route, code).Inc()
}

// Signature counts a signature that was made and audited; profile is the
// signing certificate's ("citizen", "official", "seal"; "unknown" when it
// could not be read).
func (r *Registry) Signature(format, level, profile string) {
	if r == nil {
		return
	}
	r.signatures.WithLabelValues(format, level, profile).Inc()
}

// VaultCall observes one call to Vault: its operation and result.
func (r *Registry) VaultCall(operation, result string, d time.Duration) {
	if r == nil {
		return
	}
	r.vault.WithLabelValues(operation, result).Observe(d.Seconds())
}

// VaultSignBatch observes the number of digests of one Transit sign
// request (1 for a signature sent alone).
func (r *Registry) VaultSignBatch(digests int) {
	if r == nil {
		return
	}
	r.vaultBatch.Observe(float64(digests))
}

// DBCall observes one call to the database: its operation and result.
func (r *Registry) DBCall(operation, result string, d time.Duration) {
	if r == nil {
		return
	}
	r.db.WithLabelValues(operation, result).Observe(d.Seconds())
}

// CertificateIssued counts an issued certificate.
func (r *Registry) CertificateIssued(profile, operation string) {
	if r == nil {
		return
	}
	r.issued.WithLabelValues(profile, operation).Inc()
}

// CertificateRevoked counts a revocation of a certificate of profile.
func (r *Registry) CertificateRevoked(profile, reason string) {
	if r == nil {
		return
	}
	r.revoked.WithLabelValues(profile, reason).Inc()
}

// AuthFailure counts a rejected credential.
func (r *Registry) AuthFailure(kind string) {
	if r == nil {
		return
	}
	r.authFailures.WithLabelValues(kind).Inc()
}

// Expiry is one certificate whose end of validity an operator must see
// coming.
type Expiry struct {
	Kind     string // "issuer", "ocsp", "tsa", "tls"
	Name     string // the issuer's name (for "ocsp": the issuer whose responder it is), "tsa", "server"
	NotAfter time.Time
}

// WatchExpiry has kyso_certificate_expiry_days report, at each scrape, the
// days left to each certificate list returns (negative once expired). list
// gets the scrape's context, bounded to 5 s; an error leaves the series out
// of that scrape and counts in kyso_certificate_expiry_errors_total.
// Call it once.
func (r *Registry) WatchExpiry(list func(ctx context.Context) ([]Expiry, error)) {
	if r == nil {
		return
	}
	r.reg.MustRegister(&expiryCollector{list: list, now: time.Now,
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kyso_certificate_expiry_errors_total",
			Help: "Scrapes that could not read the certificates of kyso_certificate_expiry_days.",
		})})
}

var expiryDesc = prometheus.NewDesc("kyso_certificate_expiry_days",
	"Days until the certificate's notAfter, by kind (issuer, ocsp, tsa, tls) and name; negative once expired.",
	[]string{"kind", "name"}, nil)

type expiryCollector struct {
	list   func(ctx context.Context) ([]Expiry, error)
	now    func() time.Time
	errors prometheus.Counter
}

func (c *expiryCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- expiryDesc
	c.errors.Describe(ch)
}

func (c *expiryCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	list, err := c.list(ctx)
	if err != nil {
		c.errors.Inc()
	}
	now := c.now()
	seen := map[[2]string]bool{}
	for _, e := range list {
		k := [2]string{e.Kind, e.Name}
		if seen[k] || e.NotAfter.IsZero() {
			continue // one series per label set, or the scrape fails
		}
		seen[k] = true
		ch <- prometheus.MustNewConstMetric(expiryDesc, prometheus.GaugeValue, e.NotAfter.Sub(now).Hours()/24, e.Kind, e.Name)
	}
	c.errors.Collect(ch)
}

// CRL is the newest CRL kyso published for one issuing CA.
type CRL struct {
	Issuer     string // the issuer's name
	ThisUpdate time.Time
	NextUpdate time.Time
}

// WatchCRLs has kyso_crl_age_seconds and kyso_crl_next_update_seconds
// report, at each scrape, the age of each CRL list returns and the time
// left to its nextUpdate (negative once it is stale). list is called as
// WatchExpiry's is; a failed read counts in kyso_crl_errors_total. Call it
// once.
func (r *Registry) WatchCRLs(list func(ctx context.Context) ([]CRL, error)) {
	if r == nil {
		return
	}
	r.reg.MustRegister(&crlCollector{list: list, now: time.Now,
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kyso_crl_errors_total",
			Help: "Scrapes that could not read the CRLs of kyso_crl_age_seconds.",
		})})
}

var (
	crlAgeDesc = prometheus.NewDesc("kyso_crl_age_seconds",
		"Seconds since the thisUpdate of the newest CRL kyso published, by issuer name.", []string{"issuer"}, nil)
	crlNextDesc = prometheus.NewDesc("kyso_crl_next_update_seconds",
		"Seconds until the nextUpdate of the newest CRL kyso published, by issuer name; negative once the CRL is stale.", []string{"issuer"}, nil)
)

type crlCollector struct {
	list   func(ctx context.Context) ([]CRL, error)
	now    func() time.Time
	errors prometheus.Counter
}

func (c *crlCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- crlAgeDesc
	ch <- crlNextDesc
	c.errors.Describe(ch)
}

func (c *crlCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	list, err := c.list(ctx)
	if err != nil {
		c.errors.Inc()
	}
	now := c.now()
	seen := map[string]bool{}
	for _, l := range list {
		if seen[l.Issuer] || l.ThisUpdate.IsZero() {
			continue
		}
		seen[l.Issuer] = true
		ch <- prometheus.MustNewConstMetric(crlAgeDesc, prometheus.GaugeValue, now.Sub(l.ThisUpdate).Seconds(), l.Issuer)
		if !l.NextUpdate.IsZero() {
			ch <- prometheus.MustNewConstMetric(crlNextDesc, prometheus.GaugeValue, l.NextUpdate.Sub(now).Seconds(), l.Issuer)
		}
	}
	c.errors.Collect(ch)
}
