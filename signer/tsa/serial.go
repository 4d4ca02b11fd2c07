package tsa

import (
	"math/big"
	"time"
)

// Layout of a serial number (see the package doc): t<<48 | node<<16 | seq.
const (
	seqBits  = 16
	nodeBits = 32
	maxSeq   = 1<<seqBits - 1

	// serialBits is the largest serial number's bit length, well within
	// RFC 3161's 160 bits (2.4.2).
	serialBits = 64 + nodeBits + seqBits
)

// serials hands out strictly increasing serial numbers for one Authority.
// It is not safe for concurrent use; Authority serialises calls.
type serials struct {
	node    uint32
	started bool
	t       uint64 // time component of the last serial
	seq     uint16 // sequence component of the last serial
}

// next returns the serial for a stamp whose clock reading is now. It is
// strictly greater than every serial next returned before, whatever now is.
func (s *serials) next(now time.Time) *big.Int {
	ns := now.UnixNano()
	if ns < 1 {
		ns = 1 // a serial number is positive (RFC 3161, 2.4.2)
	}
	t := uint64(ns)
	switch {
	case !s.started || t > s.t:
		s.started, s.t, s.seq = true, t, 0
	case s.seq < maxSeq:
		// Same nanosecond as the last stamp, or the clock stepped back:
		// hold t and count.
		s.seq++
	default:
		// seq exhausted: borrow the next nanosecond.
		s.t, s.seq = s.t+1, 0
	}
	low := uint64(s.node)<<seqBits | uint64(s.seq)
	serial := new(big.Int).SetUint64(s.t)
	serial.Lsh(serial, nodeBits+seqBits)
	return serial.Or(serial, new(big.Int).SetUint64(low))
}
