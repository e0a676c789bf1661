package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/core"
)

// parsedMail is a received message taken apart the way a mail client would.
type parsedMail struct {
	Header      netmail.Header
	Text        string
	Attachments []Attachment
}

func parseMail(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, raw)
	}
	p := parsedMail{Header: msg.Header}
	walkPart(t, &p, partHeader(msg.Header), msg.Body)
	return p
}

type partHeader map[string][]string

func (h partHeader) Get(k string) string { return netmail.Header(h).Get(k) }

func walkPart(t *testing.T, p *parsedMail, h partHeader, body io.Reader) {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("bad Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("bad multipart: %v", err)
			}
			walkPart(t, p, partHeader(part.Header), part)
		}
	}
	var r io.Reader = body
	switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s part: %v", mediaType, err)
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	if disp == "attachment" {
		p.Attachments = append(p.Attachments, Attachment{Filename: dparams["filename"], ContentType: mediaType, Data: data})
		return
	}
	if mediaType == "text/plain" {
		p.Text += string(data)
	}
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func testPDF(t *testing.T) []byte {
	// A PDF header, then binary bytes of every value, long enough for
	// many base64 lines.
	return append([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), randomBytes(t, 40_000)...)
}

func TestSenderDeliversMessageWithAttachment(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   string
		server []serverOption
		user   string
	}{
		{"plain SMTP", TLSNone, nil, ""},
		{"STARTTLS with AUTH", TLSStartTLS, []serverOption{withTLS(false), withAuth("shop", "s3cret")}, "shop"},
		{"implicit TLS with AUTH", TLSImplicit, []serverOption{withTLS(true), withAuth("shop", "s3cret")}, "shop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSMTPServer(t, tc.server...)
			cfg := SMTPConfig{Host: "127.0.0.1", Port: srv.port(), TLS: tc.mode,
				From: "Åkes Café <faktura@example.se>", Timeout: 5 * time.Second, TLSConfig: clientTLS(t)}
			if tc.user != "" {
				cfg.Username, cfg.Password = "shop", "s3cret"
			}
			s, err := NewSender(cfg)
			if err != nil {
				t.Fatal(err)
			}
			pdf := testPDF(t)
			m := Message{
				ID:      "email-1",
				To:      []string{"Kund AB <kund@example.com>"},
				Cc:      []string{"revisor@example.org", "bokforing@example.org"},
				Bcc:     []string{"arkiv@akes.example.se"},
				ReplyTo: "kontakt@akes.example.se",
				Subject: "Faktura 1001 från Åkes Café",
				Text:    "Hej!\n\nHär kommer faktura 1001. Betala senast 2025-02-15.\n",
				Attachments: []Attachment{
					{Filename: "faktura-1001.pdf", ContentType: "application/pdf", Data: pdf},
				},
			}
			if err := s.Send(context.Background(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}

			got := srv.messages()
			if len(got) != 1 {
				t.Fatalf("server received %d messages, want 1", len(got))
			}
			r := got[0]
			if r.From != "faktura@example.se" {
				t.Errorf("MAIL FROM = %q", r.From)
			}
			wantRcpts := []string{"kund@example.com", "revisor@example.org", "bokforing@example.org", "arkiv@akes.example.se"}
			if !slices.Equal(r.Rcpts, wantRcpts) {
				t.Errorf("RCPT TO = %v, want %v", r.Rcpts, wantRcpts)
			}
			if r.User != tc.user {
				t.Errorf("authenticated as %q, want %q", r.User, tc.user)
			}

			p := parseMail(t, r.Data)
			dec := new(mime.WordDecoder)
			subject, _ := dec.DecodeHeader(p.Header.Get("Subject"))
			if subject != m.Subject {
				t.Errorf("Subject = %q, want %q", subject, m.Subject)
			}
			to, err := p.Header.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Address != "kund@example.com" {
				t.Errorf("To = %v (%v)", to, err)
			}
			cc, err := p.Header.AddressList("Cc")
			if err != nil || len(cc) != 2 || cc[0].Address != "revisor@example.org" || cc[1].Address != "bokforing@example.org" {
				t.Errorf("Cc = %v (%v)", cc, err)
			}
			if bcc := p.Header.Get("Bcc"); bcc != "" || strings.Contains(string(r.Data), "arkiv@") {
				t.Errorf("the blind copy shows in the message: Bcc %q", bcc)
			}
			from, err := p.Header.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Name != "Åkes Café" || from[0].Address != "faktura@example.se" {
				t.Errorf("From = %v (%v)", from, err)
			}
			if rt := p.Header.Get("Reply-To"); !strings.Contains(rt, "kontakt@akes.example.se") {
				t.Errorf("Reply-To = %q", rt)
			}
			if id := p.Header.Get("Message-ID"); id != "<email-1@example.se>" {
				t.Errorf("Message-ID = %q, want <email-1@example.se>", id)
			}
			if strings.ReplaceAll(p.Text, "\r\n", "\n") != m.Text {
				t.Errorf("text = %q, want %q", p.Text, m.Text)
			}
			if len(p.Attachments) != 1 {
				t.Fatalf("got %d attachments, want 1", len(p.Attachments))
			}
			a := p.Attachments[0]
			if a.Filename != "faktura-1001.pdf" || a.ContentType != "application/pdf" {
				t.Errorf("attachment %q %q", a.Filename, a.ContentType)
			}
			if !bytes.Equal(a.Data, pdf) {
				t.Errorf("attachment bytes differ: got %d bytes, want %d", len(a.Data), len(pdf))
			}
			for _, line := range bytes.Split(r.Data, []byte("\r\n")) {
				if len(line) > 998 {
					t.Fatalf("line of %d bytes breaks RFC 5322", len(line))
				}
			}
		})
	}
}

func TestSenderClassifiesErrors(t *testing.T) {
	pdf := Attachment{Filename: "f.pdf", ContentType: "application/pdf", Data: []byte("%PDF")}
	good := Message{To: []string{"kund@example.com"}, Subject: "Faktura", Text: "x", Attachments: []Attachment{pdf}}
	for _, tc := range []struct {
		name      string
		setup     func(t *testing.T) SMTPConfig
		msg       Message
		code      core.ErrorCode
		permanent bool
		contains  string
	}{
		{
			name: "connection refused",
			setup: func(t *testing.T) SMTPConfig {
				return SMTPConfig{Host: "127.0.0.1", Port: freePort(t), TLS: TLSNone, From: "f@example.se"}
			},
			msg: good, code: core.CodeUnavailable,
		},
		{
			name: "451 is temporary",
			setup: func(t *testing.T) SMTPConfig {
				srv := startSMTPServer(t)
				srv.setReply(451)
				return SMTPConfig{Host: "127.0.0.1", Port: srv.port(), TLS: TLSNone, From: "f@example.se"}
			},
			msg: good, code: core.CodeUnavailable, contains: "451",
		},
		{
			name: "550 is permanent",
			setup: func(t *testing.T) SMTPConfig {
				srv := startSMTPServer(t)
				srv.setReply(550)
				return SMTPConfig{Host: "127.0.0.1", Port: srv.port(), TLS: TLSNone, From: "f@example.se"}
			},
			msg: good, code: core.CodeProviderError, permanent: true, contains: "kund@example.com",
		},
		{
			name: "timeout",
			setup: func(t *testing.T) SMTPConfig {
				return SMTPConfig{Host: "127.0.0.1", Port: silentServer(t), TLS: TLSNone, From: "f@example.se", Timeout: 200 * time.Millisecond}
			},
			msg: good, code: core.CodeUnavailable,
		},
		{
			name: "wrong password is a configuration problem, not the message's",
			setup: func(t *testing.T) SMTPConfig {
				srv := startSMTPServer(t, withTLS(false), withAuth("shop", "s3cret"))
				return SMTPConfig{Host: "127.0.0.1", Port: srv.port(), TLS: TLSStartTLS, From: "f@example.se",
					Username: "shop", Password: "wrong", TLSConfig: clientTLS(t)}
			},
			msg: good, code: core.CodeUnavailable, contains: "AUTH",
		},
		{
			name: "STARTTLS required but not offered",
			setup: func(t *testing.T) SMTPConfig {
				srv := startSMTPServer(t)
				return SMTPConfig{Host: "127.0.0.1", Port: srv.port(), TLS: TLSStartTLS, From: "f@example.se"}
			},
			msg: good, code: core.CodeUnavailable, contains: "STARTTLS",
		},
		{
			name: "untrusted certificate",
			setup: func(t *testing.T) SMTPConfig {
				srv := startSMTPServer(t, withTLS(false))
				return SMTPConfig{Host: "127.0.0.1", Port: srv.port(), TLS: TLSStartTLS, From: "f@example.se"}
			},
			msg: good, code: core.CodeUnavailable, contains: "certificate",
		},
		{
			name: "bad address",
			setup: func(t *testing.T) SMTPConfig {
				return SMTPConfig{Host: "127.0.0.1", Port: freePort(t), TLS: TLSNone, From: "f@example.se"}
			},
			msg:  Message{To: []string{"kund@example.com"}, Cc: []string{"not an address"}, Subject: "Faktura"},
			code: core.CodeInvalid, permanent: true, contains: "message.cc[0]",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSender(tc.setup(t))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = s.Send(ctx, tc.msg)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if _, ok := err.(*core.Error); !ok {
				t.Errorf("error is %T, want *core.Error", err)
			}
			if got := core.Code(err); got != tc.code {
				t.Errorf("code = %s, want %s (%v)", got, tc.code, err)
			}
			if got := IsPermanent(err); got != tc.permanent {
				t.Errorf("IsPermanent = %v, want %v (%v)", got, tc.permanent, err)
			}
			if !strings.Contains(err.Error(), tc.contains) {
				t.Errorf("error %q does not mention %q", err, tc.contains)
			}
		})
	}
}

func TestSenderRejectsBadMessageWithoutConnecting(t *testing.T) {
	srv := startSMTPServer(t)
	s, err := NewSender(SMTPConfig{Host: "127.0.0.1", Port: srv.port(), TLS: TLSNone, From: "f@example.se"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), Message{Subject: "x\nBcc: evil@example.com",
		Attachments: []Attachment{{Filename: "../etc/passwd"}}})
	want := []string{"message.to", "message.subject", "message.attachments[0].filename"}
	assertFields(t, err, want)
	if _, sessions := srv.counts(); sessions != 0 {
		t.Errorf("server saw %d sessions for an invalid message", sessions)
	}
}

func TestNewSenderValidatesConfig(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    SMTPConfig
		fields []string
	}{
		{"empty", SMTPConfig{}, []string{"smtp.host", "smtp.from"}},
		{"bad tls and port", SMTPConfig{Host: "h", From: "a@b.se", TLS: "ssl", Port: 70000}, []string{"smtp.tls", "smtp.port"}},
		{"password without user", SMTPConfig{Host: "h", From: "a@b.se", Password: "p"}, []string{"smtp.username"}},
		{"negative timeout", SMTPConfig{Host: "h", From: "a@b.se", Timeout: -time.Second}, []string{"smtp.timeout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSender(tc.cfg)
			assertFields(t, err, tc.fields)
		})
	}
	for _, tc := range []struct {
		tls  string
		port int
	}{{"", 587}, {TLSStartTLS, 587}, {TLSImplicit, 465}, {TLSNone, 25}} {
		s, err := NewSender(SMTPConfig{Host: "smtp.example.se", From: "a@b.se", TLS: tc.tls})
		if err != nil {
			t.Fatal(err)
		}
		if s.cfg.Port != tc.port || s.cfg.Timeout != DefaultTimeout {
			t.Errorf("TLS %q: port %d timeout %v, want %d %v", tc.tls, s.cfg.Port, s.cfg.Timeout, tc.port, DefaultTimeout)
		}
	}
}

func assertFields(t *testing.T, err error, want []string) {
	t.Helper()
	ce, ok := err.(*core.Error)
	if !ok || ce.Code != core.CodeInvalid {
		t.Fatalf("error = %v, want an invalid *core.Error", err)
	}
	var got []string
	for _, f := range ce.Fields {
		got = append(got, f.Field)
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("fields %v lack %q", got, w)
		}
	}
}
