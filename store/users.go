package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/sqlite"
)

// Store implements core.UserStore beside core.Store.
var _ core.UserStore = (*Store)(nil)

const userColumns = `id, merchant_id, email, role, language, password_hash, invite_hash, invite_expires_at, created_at`

type userRow struct {
	ID              string         `db:"id"`
	MerchantID      string         `db:"merchant_id"`
	Email           string         `db:"email"`
	Role            string         `db:"role"`
	Language        string         `db:"language"`
	PasswordHash    string         `db:"password_hash"`
	InviteHash      string         `db:"invite_hash"`
	InviteExpiresAt sql.NullString `db:"invite_expires_at"`
	CreatedAt       string         `db:"created_at"`
}

func (r userRow) user() (core.User, error) {
	u := core.User{ID: r.ID, MerchantID: r.MerchantID, Email: r.Email, Role: core.Role(r.Role),
		Language: core.Language(r.Language), PasswordHash: r.PasswordHash, InviteHash: r.InviteHash}
	var err error
	if u.CreatedAt, err = parseTime(r.CreatedAt); err != nil {
		return core.User{}, err
	}
	if u.InviteExpiresAt, err = parseNullTime(r.InviteExpiresAt); err != nil {
		return core.User{}, err
	}
	return u, nil
}

func nullTime(t *time.Time) sql.NullString {
	if t == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: formatTime(*t), Valid: true}
}

// CreateUser stores u. Errors: CodeConflict for a taken address;
// CodeNotFound for an unknown merchant.
func (s *Store) CreateUser(ctx context.Context, u core.User) error {
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.MerchantID, u.Email, string(u.Role), string(u.Language), u.PasswordHash, u.InviteHash,
			nullTime(u.InviteExpiresAt), formatTime(u.CreatedAt))
		switch {
		case sqlite.IsUniqueViolation(err):
			return core.Errorf(core.CodeConflict, "a user with the e-mail address %s already exists", u.Email)
		case isForeignKeyViolation(err):
			return core.ErrNotFound("merchant", u.MerchantID)
		}
		return err
	})
	return dbError("create user", err)
}

func (s *Store) getUser(ctx context.Context, what, query string, args ...any) (core.User, error) {
	var row userRow
	err := s.db.Reader().GetContext(ctx, &row, `SELECT `+userColumns+` FROM users WHERE `+query, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return core.User{}, core.Errorf(core.CodeNotFound, "no user %s", what)
	} else if err != nil {
		return core.User{}, dbError("get user", err)
	}
	return row.user()
}

// UserByEmail finds a user by its (lower-case) address. Errors:
// CodeNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (core.User, error) {
	return s.getUser(ctx, "with that e-mail address", `email = ?`, email)
}

// UserByInvite finds the user with this open invitation. Errors:
// CodeNotFound.
func (s *Store) UserByInvite(ctx context.Context, inviteHash string) (core.User, error) {
	if inviteHash == "" {
		return core.User{}, core.Errorf(core.CodeNotFound, "no such invitation")
	}
	return s.getUser(ctx, "with that invitation", `invite_hash = ?`, inviteHash)
}

// GetUser returns the merchant's user. Errors: CodeNotFound, also for
// another merchant's user.
func (s *Store) GetUser(ctx context.Context, merchantID, id string) (core.User, error) {
	return s.getUser(ctx, id, `merchant_id = ? AND id = ?`, merchantID, id)
}

// ListUsers returns the merchant's users, oldest first; never nil.
func (s *Store) ListUsers(ctx context.Context, merchantID string) ([]core.User, error) {
	var rows []userRow
	err := s.db.Reader().SelectContext(ctx, &rows,
		`SELECT `+userColumns+` FROM users WHERE merchant_id = ? ORDER BY created_at, id`, merchantID)
	if err != nil {
		return nil, dbError("list users", err)
	}
	out := make([]core.User, 0, len(rows))
	for _, r := range rows {
		u, err := r.user()
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// UpdateUser saves u's password hash, invitation and language. Errors:
// CodeNotFound.
func (s *Store) UpdateUser(ctx context.Context, u core.User) error {
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, invite_hash = ?, invite_expires_at = ?, language = ?
			WHERE merchant_id = ? AND id = ?`, u.PasswordHash, u.InviteHash, nullTime(u.InviteExpiresAt), string(u.Language),
			u.MerchantID, u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.ErrNotFound("user", u.ID)
		}
		return nil
	})
	return dbError("update user", err)
}

// DeleteUser removes the merchant's user and its sessions. Errors:
// CodeNotFound.
func (s *Store) DeleteUser(ctx context.Context, merchantID, id string) error {
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND merchant_id = ?`, id, merchantID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM users WHERE merchant_id = ? AND id = ?`, merchantID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return core.ErrNotFound("user", id)
		}
		return nil
	})
	return dbError("delete user", err)
}

const sessionColumns = `hash, user_id, merchant_id, csrf_token, created_at, last_seen_at`

type sessionRow struct {
	Hash       string `db:"hash"`
	UserID     string `db:"user_id"`
	MerchantID string `db:"merchant_id"`
	CSRFToken  string `db:"csrf_token"`
	CreatedAt  string `db:"created_at"`
	LastSeenAt string `db:"last_seen_at"`
}

// CreateSession stores a session. Errors: CodeNotFound for an unknown
// user.
func (s *Store) CreateSession(ctx context.Context, ses core.Session) error {
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			ses.Hash, ses.UserID, ses.MerchantID, ses.CSRFToken, formatTime(ses.CreatedAt), formatTime(ses.LastSeenAt))
		if isForeignKeyViolation(err) {
			return core.ErrNotFound("user", ses.UserID)
		}
		return err
	})
	return dbError("create session", err)
}

// SessionByHash returns a session. Errors: CodeNotFound.
func (s *Store) SessionByHash(ctx context.Context, hash string) (core.Session, error) {
	var row sessionRow
	err := s.db.Reader().GetContext(ctx, &row, `SELECT `+sessionColumns+` FROM sessions WHERE hash = ?`, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return core.Session{}, core.Errorf(core.CodeNotFound, "no such session")
	} else if err != nil {
		return core.Session{}, dbError("get session", err)
	}
	ses := core.Session{Hash: row.Hash, UserID: row.UserID, MerchantID: row.MerchantID, CSRFToken: row.CSRFToken}
	if ses.CreatedAt, err = parseTime(row.CreatedAt); err != nil {
		return core.Session{}, err
	}
	if ses.LastSeenAt, err = parseTime(row.LastSeenAt); err != nil {
		return core.Session{}, err
	}
	return ses, nil
}

// TouchSession sets a session's last use; an older time never replaces a
// newer one.
func (s *Store) TouchSession(ctx context.Context, hash string, at time.Time) error {
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE hash = ? AND last_seen_at < ?`,
			formatTime(at), hash, formatTime(at))
		return err
	})
	return dbError("touch session", err)
}

// DeleteSession removes a session; a missing one is no error.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE hash = ?`, hash)
		return err
	})
	return dbError("delete session", err)
}

// DeleteSessionsBefore removes sessions created before created or last seen
// before seen.
func (s *Store) DeleteSessionsBefore(ctx context.Context, created, seen time.Time) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE created_at < ? OR last_seen_at < ?`,
			formatTime(created), formatTime(seen))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, dbError("purge sessions", err)
}
