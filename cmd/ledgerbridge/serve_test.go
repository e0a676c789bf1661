package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ledgerbridge/ledgerbridge/config"
	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/httpapi"
	"github.com/ledgerbridge/ledgerbridge/store"
)

// startTestServer serves the HTTP API as serve does (newHTTPServer) on a
// loopback port with cfg's limits.
func startTestServer(t *testing.T, cfg config.Config) string {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	engine := core.NewEngine(st, nil, core.EngineOptions{})
	srv := newHTTPServer(cfg, httpapi.New(engine, httpOptions(cfg, nil)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// TestUnauthenticatedBodyIsNotRead: a request without an API key whose body
// trickles in is answered 401 at once, without the server waiting for (or
// draining) the body, and the connection is closed.
func TestUnauthenticatedBodyIsNotRead(t *testing.T) {
	cfg := config.Default()
	addr := startTestServer(t, cfg)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// 100 kB announced (under net/http's 256 kB drain limit), 10 bytes sent.
	if _, err := io.WriteString(conn, "POST /v1/charges HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"Content-Length: 100000\r\n\r\n{\"custome"); err != nil {
		t.Fatal(err)
	}
	// Keep trickling in the background, as a slow attacker would.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
				if _, err := conn.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	// Generous: the point is that the answer comes before the body, which
	// at this rate would take hours.
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer while the body trickles: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"unauthorized"`) {
		t.Fatalf("answer %d %s, want 401 unauthorized", resp.StatusCode, body)
	}
	if !resp.Close {
		t.Errorf("401 to a request with an unread body does not close the connection (Connection: %q)", resp.Header.Get("Connection"))
	}
	// The server closes its side instead of reading the rest.
	buf := make([]byte, 1)
	if _, err := conn.Read(buf); err == nil {
		t.Errorf("connection still open after the 401")
	}
}

// TestSlowHeadersAreCut: a client that never finishes its headers
// (slowloris) is disconnected after server.read_header_timeout.
func TestSlowHeadersAreCut(t *testing.T) {
	cfg := config.Default()
	cfg.Server.ReadHeaderTimeout = 300 * time.Millisecond
	addr := startTestServer(t, cfg)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	// Generous next to the 300ms limit, short next to the 10s default.
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("server still holds a connection with unfinished headers after %s", time.Since(start))
	}
}

// TestServerTimeoutsFromConfig: every limit of http.Server comes from the
// configuration.
func TestServerTimeoutsFromConfig(t *testing.T) {
	cfg := config.Default()
	cfg.Server.ReadHeaderTimeout, cfg.Server.ReadTimeout = time.Second, 2*time.Second
	cfg.Server.WriteTimeout, cfg.Server.IdleTimeout = 3*time.Second, 4*time.Second
	srv := newHTTPServer(cfg, http.NotFoundHandler())
	if srv.ReadHeaderTimeout != time.Second || srv.ReadTimeout != 2*time.Second ||
		srv.WriteTimeout != 3*time.Second || srv.IdleTimeout != 4*time.Second {
		t.Fatalf("http.Server timeouts %v %v %v %v, want 1s 2s 3s 4s",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
}

// serve --demo on a port in use fails naming the address before anything
// is written: no data directory, no database, no demo merchant.
func TestServeOnBusyPortWritesNothing(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dataDir := filepath.Join(t.TempDir(), "data")
	root := newRootCommand()
	root.SetOut(io.Discard)
	root.SetArgs([]string{"serve", "--demo", "--in-process-providers", "--log-level", "error",
		"--addr", busy.Addr().String(), "--data-dir", dataDir})
	err = root.Execute()
	if err == nil || !strings.Contains(err.Error(), "listen on "+busy.Addr().String()) {
		t.Fatalf("serve = %v, want the listen error", err)
	}
	if _, err := os.Lstat(dataDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("data dir after the failed bind: %v, want it never created", err)
	}
}
