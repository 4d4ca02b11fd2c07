package errkind_test

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/kyso-vn/kyso/errkind"
)

var (
	errNotFound = errkind.New(errkind.NotFound, "pkg: not found")
	errInternal = errkind.New(errkind.Internal, "pkg: integrity check failed")
	errInvalid  = errkind.New(errkind.Invalid, "pkg: invalid request")
)

func TestErrorf(t *testing.T) {
	cause := fmt.Errorf("read: %w", io.ErrUnexpectedEOF)
	tests := []struct {
		name      string
		err       *errkind.Error
		wantKind  errkind.Kind
		wantMsg   string
		wantText  string
		wantIs    []error
		wantField string
	}{
		{"detail", errNotFound.Errorf("certificate %s", "crt_x"), errkind.NotFound,
			"certificate crt_x", "pkg: not found: certificate crt_x", []error{errNotFound}, ""},
		{"wrapped plain cause", errInvalid.Errorf("cannot read the PDF: %w", cause), errkind.Invalid,
			"cannot read the PDF: read: unexpected EOF", "pkg: invalid request: cannot read the PDF: read: unexpected EOF",
			[]error{errInvalid, io.ErrUnexpectedEOF}, ""},
		// A wrapped kind error contributes its client message, not its
		// log text with the package prefix.
		{"wrapped kind error", errInvalid.Errorf("%w", errNotFound.Errorf("page %d", 3)), errkind.Invalid,
			"page 3", "pkg: invalid request: pkg: not found: page 3", []error{errInvalid, errNotFound}, ""},
		{"%v of a kind error", errInvalid.Errorf("field: %v", errNotFound.Errorf("x")), errkind.Invalid,
			"field: x", "pkg: invalid request: field: pkg: not found: x", []error{errInvalid}, ""},
		{"field", errInvalid.Fieldf("subject.cccd", "must be %d digits", 12), errkind.Invalid,
			"subject.cccd: must be 12 digits", "pkg: invalid request: subject.cccd: must be 12 digits",
			[]error{errInvalid}, "subject.cccd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err.Kind != tt.wantKind || tt.err.Msg != tt.wantMsg || tt.err.Error() != tt.wantText || tt.err.Field != tt.wantField {
				t.Errorf("got kind %v, Msg %q, Error() %q, Field %q; want %v, %q, %q, %q",
					tt.err.Kind, tt.err.Msg, tt.err.Error(), tt.err.Field, tt.wantKind, tt.wantMsg, tt.wantText, tt.wantField)
			}
			for _, target := range tt.wantIs {
				if !errors.Is(tt.err, target) {
					t.Errorf("errors.Is(%v, %v) = false", tt.err, target)
				}
			}
			if errors.Is(tt.err, errInternal) {
				t.Errorf("errors.Is(%v, an unrelated sentinel) = true", tt.err)
			}
		})
	}
}

func TestKindOf(t *testing.T) {
	vault := errkind.Wrap(errkind.Unavailable, errors.New("keys: vault unavailable"), "")
	tests := []struct {
		name string
		err  error
		want errkind.Kind
	}{
		{"nil", nil, errkind.Internal},
		{"plain", errors.New("boom"), errkind.Internal},
		{"sentinel", errNotFound, errkind.NotFound},
		{"wrapped by fmt", fmt.Errorf("ca: get: %w", errNotFound), errkind.NotFound},
		{"outermost kind wins", errInvalid.Errorf("%w", errNotFound), errkind.Invalid},
		// An internal failure around a cause with a kind is of the cause's
		// kind: the caller can act on a vault that went away.
		{"internal around a kind", errInternal.Errorf("sign: %w", vault), errkind.Unavailable},
		{"multiple %w", fmt.Errorf("%w: %w", errors.New("x"), errNotFound), errkind.NotFound},
		{"internal only", fmt.Errorf("x: %w", errInternal), errkind.Internal},
		{"field", errkind.InvalidField("pin", "is required"), errkind.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errkind.KindOf(tt.err); got != tt.want {
				t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
	if e := errkind.Find(fmt.Errorf("x: %w", errInternal)); e != errInternal {
		t.Errorf("Find(an internal error) = %v, want the internal error itself", e)
	}
}

func TestMessage(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{errors.New("plain text"), "plain text"},
		{fmt.Errorf("ctx: %w", errNotFound.Errorf("certificate crt_x")), "certificate crt_x"},
		{errkind.Wrap(errkind.Consent, errors.New("auth: wrong PIN"), "wrong PIN; 4 attempts left"), "wrong PIN; 4 attempts left"},
		{errkind.InvalidField("pin", "is required"), "pin: is required"},
	}
	for _, tt := range tests {
		if got := errkind.Message(tt.err); got != tt.want {
			t.Errorf("Message(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestKinds(t *testing.T) {
	seen := map[string]bool{}
	for i, k := range errkind.Kinds() {
		if int(k) != i {
			t.Errorf("Kinds()[%d] = %d", i, int(k))
		}
		name := k.String()
		if name == "" || seen[name] || name == fmt.Sprintf("Kind(%d)", int(k)) {
			t.Errorf("kind %d has no name of its own: %q", int(k), name)
		}
		seen[name] = true
	}
	if errkind.Kinds()[0] != errkind.Internal {
		t.Error("the zero Kind is not Internal")
	}
}
