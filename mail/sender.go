package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/outbox"
)

// TLS modes of SMTPConfig.TLS.
const (
	TLSNone     = "none"     // plain SMTP; passwords are only sent with challenge-response AUTH
	TLSStartTLS = "starttls" // STARTTLS is mandatory; a server without it is an error
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS, usually port 465)
)

// DefaultTimeout bounds connecting and each SMTP command when
// SMTPConfig.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// SMTPConfig is how to reach the outgoing mail server.
type SMTPConfig struct {
	Host string
	// Port defaults to 587 for starttls, 465 for tls and 25 for none.
	Port     int
	Username string
	Password string
	// TLS is one of TLSNone, TLSStartTLS (the default when empty) and
	// TLSImplicit.
	TLS string
	// From is the sender of every e-mail, "Name <addr>" or "addr".
	From string
	// Timeout bounds connecting and every SMTP command (its reads and
	// writes); DefaultTimeout when zero.
	Timeout time.Duration
	// TLSConfig overrides the TLS settings (for example a private CA); nil
	// verifies the server against the system roots as Host. Its
	// ServerName defaults to Host.
	TLSConfig *tls.Config
}

// Attachment is one file attached to a message.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"-"`
}

// Message is one e-mail. Text is the plain-text body. ID, when set, makes
// the Message-ID header <ID@domain of From>, so a copy delivered twice (see
// Outbox) is recognisable as the same message. ReplyTo, when set, is where
// the recipient's answers go (the merchant, rather than the sending
// service).
type Message struct {
	ID string   `json:"id,omitempty"`
	To []string `json:"to"`
	Cc []string `json:"cc,omitempty"`
	// Bcc receive the message without appearing in it: they are
	// envelope recipients only, never a header.
	Bcc         []string     `json:"bcc,omitempty"`
	ReplyTo     string       `json:"reply_to,omitempty"`
	Subject     string       `json:"subject"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Validate checks that m can be sent: at least one To address, every
// address parseable, a subject, and a file name for each attachment.
// Errors: CodeInvalid naming each bad field under prefix (e.g.
// "message.to[0]").
func (m Message) Validate(prefix string) error {
	var fields []core.FieldError
	add := func(field, msg string) {
		fields = append(fields, core.FieldError{Field: prefix + field, Message: msg})
	}
	if len(m.To) == 0 {
		add("to", "at least one recipient is required")
	}
	for _, list := range []struct {
		field string
		addrs []string
	}{{"to", m.To}, {"cc", m.Cc}, {"bcc", m.Bcc}} {
		for i, a := range list.addrs {
			if _, err := netmail.ParseAddress(a); err != nil {
				add(fmt.Sprintf("%s[%d]", list.field, i), fmt.Sprintf("%q is not an e-mail address", a))
			}
		}
	}
	if m.ReplyTo != "" {
		if _, err := netmail.ParseAddress(m.ReplyTo); err != nil {
			add("reply_to", fmt.Sprintf("%q is not an e-mail address", m.ReplyTo))
		}
	}
	if strings.TrimSpace(m.Subject) == "" {
		add("subject", "is required")
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		add("subject", "must be one line")
	}
	for i, a := range m.Attachments {
		if strings.TrimSpace(a.Filename) == "" || strings.ContainsAny(a.Filename, "/\\\r\n") {
			add(fmt.Sprintf("attachments[%d].filename", i), "is required and must be a plain file name")
		}
	}
	return core.Invalid("invalid e-mail message", fields...)
}

// Sender sends messages over SMTP, one connection per message. It is safe
// for concurrent use.
type Sender struct {
	cfg  SMTPConfig
	from *netmail.Address
}

// NewSender checks cfg and returns a Sender. It does not connect.
// Errors: CodeInvalid naming each bad field (smtp.host, smtp.port,
// smtp.tls, smtp.from, smtp.username, smtp.timeout).
func NewSender(cfg SMTPConfig) (*Sender, error) {
	var fields []core.FieldError
	add := func(field, msg string) { fields = append(fields, core.FieldError{Field: field, Message: msg}) }
	if strings.TrimSpace(cfg.Host) == "" {
		add("smtp.host", "is required")
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	switch cfg.TLS {
	case TLSNone, TLSStartTLS, TLSImplicit:
	default:
		add("smtp.tls", fmt.Sprintf("must be %q, %q or %q", TLSNone, TLSStartTLS, TLSImplicit))
	}
	if cfg.Port == 0 {
		switch cfg.TLS {
		case TLSImplicit:
			cfg.Port = 465
		case TLSNone:
			cfg.Port = 25
		default:
			cfg.Port = 587
		}
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		add("smtp.port", "must be between 1 and 65535")
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		add("smtp.from", fmt.Sprintf("%q is not an e-mail address", cfg.From))
	}
	if cfg.Username == "" && cfg.Password != "" {
		add("smtp.username", "is required with a password")
	}
	if cfg.Timeout < 0 {
		add("smtp.timeout", "must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if err := core.Invalid("invalid SMTP settings", fields...); err != nil {
		return nil, err
	}
	s := &Sender{cfg: cfg, from: from}
	if _, err := s.client(); err != nil {
		return nil, core.Invalid("invalid SMTP settings", core.FieldError{Field: "smtp", Message: err.Error()})
	}
	return s, nil
}

// client builds a go-mail client; one per Send, so concurrent sends share
// no connection state.
func (s *Sender) client() (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
	}
	tlsConfig := &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
	if s.cfg.TLSConfig != nil {
		tlsConfig = s.cfg.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = s.cfg.Host
		}
	}
	opts = append(opts, gomail.WithTLSConfig(tlsConfig))
	switch s.cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if s.cfg.Username != "" {
		// Auto-discovery picks the strongest mechanism the server offers
		// and never sends a password in clear over an unencrypted link.
		opts = append(opts,
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username),
			gomail.WithPassword(s.cfg.Password))
	}
	return gomail.NewClient(s.cfg.Host, opts...)
}

// Send delivers m to its To, Cc and Bcc recipients in one SMTP transaction
// (Bcc recipients are not named in the message). It
// returns nil once the server has accepted the message for every
// recipient. ctx bounds connecting; SMTPConfig.Timeout bounds each command
// after that.
//
// Errors (test them with IsPermanent):
//   - CodeInvalid: m is malformed (see Message.Validate); permanent.
//   - CodeProviderError: the server rejected the message or a recipient
//     with a 5xx reply; permanent. The message names the recipients.
//   - CodeUnavailable: the server could not be reached, answered 4xx, timed
//     out, or failed the greeting, STARTTLS or AUTH (a configuration or
//     server problem that retrying after it is fixed cures, so it is never
//     a reason to give up on the message); temporary.
func (s *Sender) Send(ctx context.Context, m Message) error {
	if err := m.Validate("message."); err != nil {
		return err
	}
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	c, err := s.client()
	if err != nil {
		return core.Errorf(core.CodeInternal, "mail: smtp client: %v", err)
	}
	err = c.DialAndSendWithContext(ctx, msg)
	if msg.IsDelivered() {
		// The server took the message; a failing RSET or QUIT afterwards
		// must not make the outbox send it again.
		return nil
	}
	if err == nil {
		return core.Errorf(core.CodeInternal, "mail: message to %s not delivered but no error reported", strings.Join(m.To, ", "))
	}
	return classify(err)
}

func (s *Sender) build(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	bad := func(field string, err error) error {
		return core.Invalid("invalid e-mail message", core.FieldError{Field: "message." + field, Message: err.Error()})
	}
	if err := msg.To(m.To...); err != nil {
		return nil, bad("to", err)
	}
	if len(m.Cc) > 0 {
		if err := msg.Cc(m.Cc...); err != nil {
			return nil, bad("cc", err)
		}
	}
	if len(m.Bcc) > 0 {
		// go-mail sends Bcc recipients in the envelope and leaves the
		// header out of the written message.
		if err := msg.Bcc(m.Bcc...); err != nil {
			return nil, bad("bcc", err)
		}
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, bad("reply_to", err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.ID != "" {
		domain := "ledgerbridge.invalid"
		if at := strings.LastIndexByte(s.from.Address, '@'); at >= 0 {
			domain = s.from.Address[at+1:]
		}
		msg.SetMessageIDWithValue(m.ID + "@" + domain)
	} else {
		msg.SetMessageID()
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	for i, a := range m.Attachments {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		if err := msg.AttachReader(a.Filename, bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(ct))); err != nil {
			return nil, bad(fmt.Sprintf("attachments[%d]", i), err)
		}
	}
	return msg, nil
}

// classify turns a go-mail error into a *core.Error whose code says whether
// retrying can help.
func classify(err error) *core.Error {
	var se *gomail.SendError
	if errors.As(err, &se) {
		switch {
		case se.Reason == gomail.ErrGetSender || se.Reason == gomail.ErrGetRcpts:
			return core.Errorf(core.CodeInvalid, "mail: %v", err)
		case se.ErrorCode() >= 500 && se.ErrorCode() < 600:
			return core.Errorf(core.CodeProviderError, "mail: rejected by the SMTP server: %v", err)
		}
		return core.Errorf(core.CodeUnavailable, "mail: %v", err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return core.Errorf(core.CodeUnavailable, "mail: SMTP server timed out: %v", err)
	}
	return core.Errorf(core.CodeUnavailable, "mail: SMTP server unavailable: %v", err)
}

// IsPermanent reports whether a Send error means the message can never be
// delivered as it is (a 5xx rejection or a bad address), so retrying is
// pointless. Connection failures, timeouts, 4xx replies and every other
// error are temporary; nil is not permanent. It is outbox.IsPermanent: the
// outbox decides by the same rule.
func IsPermanent(err error) bool { return outbox.IsPermanent(err) }
