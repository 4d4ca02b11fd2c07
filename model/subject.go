package model

// Subject is the holder data a registration officer submits for a
// certificate: what the admin API, the CSC API and kyso's commands send,
// and what the CA validates. Which fields are required depends on the
// profile; the CA copies only validated fields into a certificate.
type Subject struct {
	Name         string `json:"name,omitempty"`         // full name (CN)
	CCCD         string `json:"cccd,omitempty"`         // 12-digit citizen identity number
	Title        string `json:"title,omitempty"`        // official's title (chức vụ)
	Unit         string `json:"unit,omitempty"`         // unit within the agency (OU)
	Organization string `json:"organization,omitempty"` // agency (O)
	Locality     string `json:"locality,omitempty"`     // L
	Province     string `json:"province,omitempty"`     // ST
	Email        string `json:"email,omitempty"`
	TaxCode      string `json:"tax_code,omitempty"`    // MST: 10 digits, or 10-3 for a branch
	BudgetCode   string `json:"budget_code,omitempty"` // MNS: 7-digit budget-relationship code
}
