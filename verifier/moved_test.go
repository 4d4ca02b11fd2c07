package verifier

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/digitorus/pdf"
	"github.com/kyso-vn/kyso/signer/pades"
)

// renderPage renders page n of doc with poppler's pdftoppm, a reader we
// did not write, and returns the image.
func renderPage(t testing.TB, doc []byte, n int) []byte {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftoppm", "-r", "36", "-gray", "-f", fmt.Sprint(n), "-l", fmt.Sprint(n), "-singlefile", in, filepath.Join(dir, "out")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	img, err := os.ReadFile(filepath.Join(dir, "out.pgm"))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// flateStream returns a FlateDecode stream object holding data.
func flateStream(t testing.TB, data string) string {
	t.Helper()
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	if _, err := w.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", b.Len(), b.Bytes())
}

// streamData returns the data of the uncompressed stream object id of doc.
func streamData(t testing.TB, doc []byte, id int) string {
	t.Helper()
	body := objectBody(t, doc, id)
	i, j := strings.Index(body, "stream\n"), strings.LastIndex(body, "\nendstream")
	if i < 0 || j < i {
		t.Fatalf("object %d is not a stream: %q", id, body)
	}
	return body[i+len("stream\n") : j]
}

// TestMovedObjects redefines, after a signature, objects of the signed
// revision as new objects: copies with the same content (as tools that
// rewrite a document do) leave the signature TOTAL_PASSED, as EU DSS
// judges them, and copies that differ are changes. poppler renders page 1
// of the signed revision and of the final document: the same image for
// every copy that passes, another for every one that does not.
func TestMovedObjects(t *testing.T) {
	p := getPKI(t)
	// testpdf.Make: 1 catalog, 2 pages, 3 font, 4 content of page 1,
	// 5 page 1, 6 content of page 2, 7 page 2.
	signed := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	n := int(mustOpen(t, signed).Trailer().Key("Size").Int64())
	page1 := objectBody(t, signed, 5)
	content := streamData(t, signed, 4)
	font := objectBody(t, signed, 3)
	tests := []struct {
		name   string
		update map[int]string
		passed bool
		kind   string
	}{
		{
			name:   "font moved",
			update: map[int]string{n: font, 5: strings.Replace(page1, "/F1 3 0 R", fmt.Sprintf("/F1 %d 0 R", n), 1)},
			passed: true,
		},
		{
			name:   "content moved and compressed",
			update: map[int]string{n: flateStream(t, content), 5: strings.Replace(page1, "/Contents 4 0 R", fmt.Sprintf("/Contents %d 0 R", n), 1)},
			passed: true,
		},
		{
			name:   "direct resources made an object",
			update: map[int]string{n: "<< /Font << /F1 3 0 R >> >>", 5: strings.Replace(page1, "/Resources << /Font << /F1 3 0 R >> >>", fmt.Sprintf("/Resources %d 0 R", n), 1)},
			passed: true,
		},
		{
			name: "page moved",
			update: map[int]string{
				n: page1,
				2: strings.Replace(objectBody(t, signed, 2), "5 0 R", fmt.Sprintf("%d 0 R", n), 1),
			},
			passed: true,
		},
		{
			name:   "font moved and changed",
			update: map[int]string{n: strings.Replace(font, "/Helvetica", "/Courier", 1), 5: strings.Replace(page1, "/F1 3 0 R", fmt.Sprintf("/F1 %d 0 R", n), 1)},
			kind:   ChangeResources,
		},
		{
			name:   "content moved and changed",
			update: map[int]string{n: flateStream(t, strings.Replace(content, "Trang 1", "Trang 9", 1)), 5: strings.Replace(page1, "/Contents 4 0 R", fmt.Sprintf("/Contents %d 0 R", n), 1)},
			kind:   ChangePageContent,
		},
		{
			name: "page moved and changed",
			update: map[int]string{
				n:     strings.Replace(page1, "/Contents 4 0 R", fmt.Sprintf("/Contents %d 0 R", n+1), 1),
				n + 1: flateStream(t, strings.Replace(content, "Trang 1", "Trang 9", 1)),
				2:     strings.Replace(objectBody(t, signed, 2), "5 0 R", fmt.Sprintf("%d 0 R", n), 1),
			},
			kind: ChangePageAdded,
		},
	}
	before := renderPage(t, signed, 1)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for id, body := range tt.update {
				if id != n && id != n+1 && body == objectBody(t, signed, id) {
					t.Fatalf("the update does not change object %d", id)
				}
			}
			doc := appendUpdate(t, signed, tt.update)
			rep := verifyPDF(t, doc, p.trusted())
			s := sigOf(t, rep, 0)
			if got := s.Indication == TotalPassed; got != tt.passed {
				t.Errorf("got %s/%s (%s) %+v, want passed: %v", s.Indication, s.SubIndication, s.Detail, s.ChangesAfter, tt.passed)
			}
			if tt.passed {
				for _, c := range s.ChangesAfter {
					if !c.Allowed {
						t.Errorf("change %+v not allowed", c)
					}
				}
			} else if s.SubIndication != ChangedAfterSigning || !hasChange(s, tt.kind, "") {
				t.Errorf("got %s/%s %+v, want CHANGED_AFTER_SIGNING naming %s", s.Indication, s.SubIndication, s.ChangesAfter, tt.kind)
			}
			if same := bytes.Equal(before, renderPage(t, doc, 1)); same != tt.passed {
				t.Errorf("poppler renders page 1 the same as signed: %v, want %v", same, tt.passed)
			}
		})
	}
}

func mustOpen(t testing.TB, doc []byte) *pdf.Reader {
	t.Helper()
	rdr, err := openPDF(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	return rdr
}
