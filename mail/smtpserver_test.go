package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpServer is a real SMTP server on loopback (github.com/emersion/go-smtp)
// that records what it receives and can be stopped, restarted on the same
// port, or told to answer 451 or 550.
type smtpServer struct {
	t        *testing.T
	addr     string
	tls      *tls.Config // offered with STARTTLS, or from the first byte when implicit
	implicit bool
	user     string // when set, AUTH PLAIN is offered (after TLS) and required
	pass     string

	mu       sync.Mutex
	srv      *smtp.Server
	reply    int // 0 accepts; 451 refuses MAIL FROM; 550 refuses RCPT TO
	received []received
	mails    int // MAIL FROM commands seen, accepted or not
	sessions int
}

type received struct {
	From  string
	Rcpts []string
	Data  []byte
	User  string
}

type serverOption func(*smtpServer)

func withTLS(implicit bool) serverOption {
	return func(s *smtpServer) { s.tls, s.implicit = serverTLS(s.t), implicit }
}

func withAuth(user, pass string) serverOption {
	return func(s *smtpServer) { s.user, s.pass = user, pass }
}

func startSMTPServer(t *testing.T, opts ...serverOption) *smtpServer {
	t.Helper()
	s := &smtpServer{t: t, addr: "127.0.0.1:0"}
	for _, o := range opts {
		o(s)
	}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *smtpServer) port() int { return s.listenAddr().Port }

func (s *smtpServer) listenAddr() *net.TCPAddr {
	a, err := net.ResolveTCPAddr("tcp", s.addr)
	if err != nil {
		s.t.Fatal(err)
	}
	return a
}

// start listens on s.addr (the same port after a stop).
func (s *smtpServer) start() {
	s.t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the old socket may linger briefly
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("test SMTP server: %v", err)
	}
	s.addr = ln.Addr().String()
	if s.implicit {
		ln = tls.NewListener(ln, s.tls)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		sess := &session{s: s}
		if s.user != "" {
			return &authSession{session: sess}, nil
		}
		return sess, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	if !s.implicit {
		srv.TLSConfig = s.tls
	}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			s.t.Logf("test SMTP server: %v", err)
		}
	}()
}

// stop closes the listener and every connection: new connections are
// refused until start.
func (s *smtpServer) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (s *smtpServer) setReply(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reply = code
}

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

func (s *smtpServer) counts() (mails, sessions int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mails, s.sessions
}

type session struct {
	s     *smtpServer
	user  string
	from  string
	rcpts []string
}

func (ss *session) Reset()        { ss.from, ss.rcpts = "", nil }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	ss.s.mails++
	if ss.s.user != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	if ss.s.reply == 451 {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.reply == 550 {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	}
	ss.rcpts = append(ss.rcpts, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	ss.s.received = append(ss.s.received, received{From: ss.from, Rcpts: ss.rcpts, Data: data, User: ss.user})
	return nil
}

type authSession struct{ *session }

func (as *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (as *authSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != as.s.user || pass != as.s.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		as.user = user
		return nil
	}), nil
}

// serverTLS is a self-signed certificate for 127.0.0.1; clientTLS trusts it.
func serverTLS(t *testing.T) *tls.Config {
	t.Helper()
	cert, _ := testCert(t)
	return &tls.Config{Certificates: []tls.Certificate{cert}}
}

func clientTLS(t *testing.T) *tls.Config {
	t.Helper()
	_, pool := testCert(t)
	return &tls.Config{RootCAs: pool}
}

var (
	certOnce sync.Once
	certPair tls.Certificate
	certPool *x509.CertPool
	certErr  error
)

func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			certErr = err
			return
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "ledgerbridge test SMTP"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
			DNSNames:              []string{"localhost"},
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			certErr = err
			return
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			certErr = err
			return
		}
		certPair = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
		certPool = x509.NewCertPool()
		certPool.AddCert(leaf)
	})
	if certErr != nil {
		t.Fatal(certErr)
	}
	return certPair, certPool
}

// silentServer accepts TCP connections and never says anything, to test
// timeouts.
func silentServer(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().(*net.TCPAddr).Port
}

// freePort is a loopback port with nothing listening.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return p
}
