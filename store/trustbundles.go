package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
)

// BundleVersion returns the highest version of the trust bundle name this
// deployment has accepted and the digest of its contents; 0 and "" when
// none was. See Store.BundleVersion.
func (s *sqlDB) BundleVersion(ctx context.Context, name string) (uint64, string, error) {
	var v int64
	var digest string
	err := s.queryRow(ctx, `SELECT version, digest FROM trust_bundles WHERE name = $1`, name).Scan(&v, &digest)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", s.fail(fmt.Sprintf("read trust bundle %q", name), err)
	}
	return uint64(v), digest, nil
}

// RecordBundleVersion records that version of the trust bundle name, with
// digest, is accepted; see Store.RecordBundleVersion.
func (s *sqlDB) RecordBundleVersion(ctx context.Context, name string, version uint64, digest string) error {
	op := fmt.Sprintf("record trust bundle %q version %d", name, version)
	if version == 0 || version > math.MaxInt64 || digest == "" {
		return s.fail(op, fmt.Errorf("%w: version 1 to 2^63-1 and a digest", ErrConflict))
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var have int64
		var haveDigest string
		err := tx.QueryRowContext(ctx, `SELECT version, digest FROM trust_bundles WHERE name = $1`, name).Scan(&have, &haveDigest)
		at := dbTime(s.now())
		switch {
		case errors.Is(err, sql.ErrNoRows):
			_, err = tx.ExecContext(ctx, `INSERT INTO trust_bundles (name, version, digest, accepted_at) VALUES ($1, $2, $3, $4)`,
				name, int64(version), digest, at)
			return err
		case err != nil:
			return err
		case uint64(have) > version:
			return fmt.Errorf("%w: version %d is older than version %d accepted before", ErrConflict, version, have)
		case uint64(have) == version && haveDigest != digest:
			return fmt.Errorf("%w: version %d was accepted before with other contents", ErrConflict, version)
		case uint64(have) == version:
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE trust_bundles SET version = $2, digest = $3, accepted_at = $4 WHERE name = $1`,
			name, int64(version), digest, at)
		return err
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}
