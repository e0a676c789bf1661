// Command chargeload measures register charges per second and their
// latency through the whole gateway: HTTP → core → plugin (gRPC) → SQLite.
// It runs the real ledgerbridge binary twice, once with the built-in `open`
// provider as a plugin process and once linked in-process
// (--in-process-providers), so the cost of the plugin boundary shows as a
// ratio. Everything runs on loopback; the load stops by itself.
//
//	go run ./bench/chargeload -clients 32 -duration 15s
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "", "ledgerbridge binary (default: go build ./cmd/ledgerbridge)")
	clients := flag.Int("clients", 32, "concurrent register clients")
	duration := flag.Duration("duration", 15*time.Second, "measured load per mode")
	warmup := flag.Duration("warmup", 3*time.Second, "unmeasured load before each measurement")
	lines := flag.Int("lines", 3, "lines per charge")
	flag.Parse()
	if err := runAll(*bin, *clients, *duration, *warmup, *lines); err != nil {
		fmt.Fprintln(os.Stderr, "chargeload:", err)
		os.Exit(1)
	}
}

type result struct {
	mode     string
	charges  int
	errors   int64
	elapsed  time.Duration
	p50, p99 time.Duration
}

func (r result) perSecond() float64 { return float64(r.charges) / r.elapsed.Seconds() }

func runAll(bin string, clients int, duration, warmup time.Duration, lines int) error {
	tmp, err := os.MkdirTemp("", "chargeload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if bin == "" {
		bin = filepath.Join(tmp, "ledgerbridge")
		build := exec.Command("go", "build", "-o", bin, "./cmd/ledgerbridge")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	var results []result
	for _, mode := range []string{"plugin", "in-process"} {
		r, err := runMode(bin, filepath.Join(tmp, mode), mode, clients, duration, warmup, lines)
		if err != nil {
			return fmt.Errorf("%s: %w", mode, err)
		}
		results = append(results, r)
	}
	fmt.Printf("\n%d clients, %s measured after %s warm-up, %d lines per charge, GOMAXPROCS=%d CPUs\n\n", clients, duration, warmup, lines, numCPU())
	fmt.Println("| provider | charges/s | p50 | p99 | errors |")
	fmt.Println("|---|---:|---:|---:|---:|")
	for _, r := range results {
		fmt.Printf("| open, %s | %.0f | %s | %s | %d |\n", r.mode, r.perSecond(), r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.errors)
	}
	fmt.Printf("\nplugin / in-process throughput: %.0f %%\n", 100*results[0].perSecond()/results[1].perSecond())
	return nil
}

func numCPU() int {
	b, _ := exec.Command("nproc").Output()
	var n int
	fmt.Sscan(string(b), &n)
	return n
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func runMode(bin, dataDir, mode string, clients int, duration, warmup time.Duration, lines int) (result, error) {
	out, err := exec.Command(bin, "merchants", "create", "--data-dir", dataDir, "--name", "Bench AB", "--invoice-start-number", "1").Output()
	if err != nil {
		return result{}, fmt.Errorf("merchants create: %w", err)
	}
	var m struct {
		Keys map[string]string `json:"api_keys"`
	}
	if err := json.Unmarshal(out, &m); err != nil {
		return result{}, err
	}
	addr, err := freeAddr()
	if err != nil {
		return result{}, err
	}
	args := []string{"serve", "--addr", addr, "--ops-addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn"}
	if mode == "in-process" {
		args = append(args, "--in-process-providers")
	}
	srv := exec.Command(bin, args...)
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return result{}, err
	}
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	}()
	base := "http://" + addr
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2}, Timeout: 30 * time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := hc.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			return result{}, fmt.Errorf("gateway not ready after 30s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	key := m.Keys["cashier"]
	var cust struct {
		ID string `json:"id"`
	}
	if err := post(hc, base+"/v1/customers", key, "", map[string]any{"name": "Bench Kund AB", "active": true, "invoicing_enabled": true, "due_days": 30}, &cust); err != nil {
		return result{}, err
	}
	body := map[string]any{"customer_id": cust.ID, "location_id": "loc-1", "receipt_id": "RECEIPT", "reference": "bench"}
	var ls []map[string]any
	for i := 0; i < lines; i++ {
		ls = append(ls, map[string]any{"description": fmt.Sprintf("Vara %d", i), "product_group": "food", "quantity": 1 + i, "unit_price": 4900 + 100*i, "vat_rate": "12"})
	}
	body["lines"] = ls
	payload, _ := json.Marshal(body)

	var seq atomic.Int64
	load := func(d time.Duration, record bool) (lat []time.Duration, errs int64, elapsed time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		var mu sync.Mutex
		var wg sync.WaitGroup
		var errCount atomic.Int64
		start := time.Now()
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				local := make([]time.Duration, 0, 4096)
				for ctx.Err() == nil {
					t0 := time.Now()
					// A receipt is charged once: each charge is its own receipt.
					n := seq.Add(1)
					err := postRaw(hc, base+"/v1/charges", key, fmt.Sprintf("bench-%d", n),
						bytes.Replace(payload, []byte("RECEIPT"), []byte(fmt.Sprintf("r-%d", n)), 1))
					if err != nil {
						errCount.Add(1)
						continue
					}
					local = append(local, time.Since(t0))
				}
				if record {
					mu.Lock()
					lat = append(lat, local...)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return lat, errCount.Load(), time.Since(start)
	}
	load(warmup, false)
	lat, errs, elapsed := load(duration, true)
	if len(lat) == 0 {
		return result{}, fmt.Errorf("no charge succeeded (%d errors)", errs)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return result{mode: mode, charges: len(lat), errors: errs, elapsed: elapsed,
		p50: lat[len(lat)/2], p99: lat[len(lat)*99/100]}, nil
}

func post(hc *http.Client, url, key, idem string, body, out any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, rb)
	}
	return json.Unmarshal(rb, out)
}

func postRaw(hc *http.Client, url, key, idem string, payload []byte) error {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(payload))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", idem)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
