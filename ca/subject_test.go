package ca

import "testing"

// TestCleanTextKeeps pins what the subject hygiene of issue #14 must not
// refuse: Vietnamese in NFD is composed to NFC, and a name wholly in
// another script is kept.
func TestCleanTextKeeps(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Nguye\u0302\u0303n Va\u0306n A", "Nguyễn Văn A"}, // NFD → NFC
		{"  Ủy ban nhân dân TP Hà Nội ", "Ủy ban nhân dân TP Hà Nội"},
		{"Иванов Иван", "Иванов Иван"},
		{"Παπαδόπουλος", "Παπαδόπουλος"},
		{"Công ty TNHH Một thành viên Đầu tư & Phát triển (MTV)", "Công ty TNHH Một thành viên Đầu tư & Phát triển (MTV)"},
	}
	for _, tt := range tests {
		got, err := cleanText("subject.name", tt.in, 64, true)
		if err != nil || got != tt.want {
			t.Errorf("cleanText(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}
