package testpki

import (
	"io"
	"net/http"

	"golang.org/x/crypto/ocsp"
)

// RespondGood is an OCSP responder over HTTP (RFC 6960, appendix A) for
// the certificates ca issued: it answers every well-formed request
// "good" (GoodOCSP); a body that is not an OCSP request is 400.
func (ca *CA) RespondGood(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	der, err := ca.GoodOCSP(req.SerialNumber)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Write(der)
}
