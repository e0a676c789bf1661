package e2e

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

type invoice struct {
	ID     string `json:"id"`
	Number int64  `json:"number"`
	Total  int64  `json:"total"`
	Status string `json:"status"`
}

type chargeResult struct {
	ID      string  `json:"id"`
	Status  string  `json:"status"`
	Invoice invoice `json:"invoice"`
}

// setup starts a gateway with one merchant (invoice series from 1001) and
// one invoice customer, and returns them.
func setup(t *testing.T) (*gateway, merchant, string) {
	t.Helper()
	dir := t.TempDir()
	m := createMerchant(t, dir, "Kafé Linnea AB", 1001)
	g := startGateway(t, dir)
	var c struct {
		ID string `json:"id"`
	}
	g.must("POST", "/v1/customers", m.Keys["cashier"], map[string]any{
		"name": "Byggbolaget i Norden AB", "organization_number": "5560160680", "email": "faktura@bygg.example",
		"active": true, "invoicing_enabled": true, "due_days": 30,
	}, "", 201).decode(t, &c)
	return g, m, c.ID
}

func charge(customerID string, n int) map[string]any {
	return map[string]any{
		"customer_id": customerID, "location_id": "loc-1", "receipt_id": fmt.Sprintf("r-%d", n),
		"reference": "Anna Svensson", "comment": "Lunch meeting",
		"lines": []map[string]any{
			{"description": "Dagens lunch", "product_group": "food", "quantity": 2, "unit_price": 12900, "vat_rate": "12"},
			{"description": "Kaffe", "product_group": "drinks", "quantity": 2, "unit_price": 3500, "vat_rate": "12", "takeaway": true},
		},
	}
}

// listInvoices returns every invoice number, ascending.
func listInvoices(t *testing.T, g *gateway, key string) []int64 {
	t.Helper()
	var page struct {
		Data []invoice `json:"data"`
	}
	g.must("GET", "/v1/invoices?limit=500&sort=number", key, nil, "", 200).decode(t, &page)
	var nums []int64
	for _, inv := range page.Data {
		nums = append(nums, inv.Number)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })
	return nums
}

func assertContiguous(t *testing.T, nums []int64, from int64, count int) {
	t.Helper()
	if len(nums) != count {
		t.Fatalf("%d invoices, want %d: %v", len(nums), count, nums)
	}
	for i, n := range nums {
		if n != from+int64(i) {
			t.Fatalf("invoice numbers not contiguous from %d: %v", from, nums)
		}
	}
}

func TestChargeCreatesInvoiceInPluginProcess(t *testing.T) {
	g, m, customer := setup(t)
	var res chargeResult
	g.must("POST", "/v1/charges", m.Keys["cashier"], charge(customer, 1), "k-1", 201).decode(t, &res)
	if res.Status != "invoiced" || res.Invoice.Number != 1001 || res.Invoice.Total != 32800 {
		t.Fatalf("charge = %+v", res)
	}
	pids := g.pluginPIDs("open")
	if len(pids) != 1 {
		t.Fatalf("open provider processes under the gateway: %v, want exactly one", pids)
	}
	var got invoice
	g.must("GET", "/v1/invoices/"+res.Invoice.ID, m.Keys["accountant"], nil, "", 200).decode(t, &got)
	if got.Number != 1001 || got.Status != "posted" {
		t.Fatalf("invoice = %+v", got)
	}
}

func TestChargeAfterPluginKilled(t *testing.T) {
	g, m, customer := setup(t)
	g.must("POST", "/v1/charges", m.Keys["cashier"], charge(customer, 1), "k-1", 201)
	before := g.pluginPIDs("open")
	if len(before) != 1 {
		t.Fatalf("plugin processes: %v", before)
	}
	if err := syscall.Kill(before[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "killed plugin to exit", 10*time.Second, func() bool { return !alive(before[0]) })

	var res chargeResult
	g.must("POST", "/v1/charges", m.Keys["cashier"], charge(customer, 2), "k-2", 201).decode(t, &res)
	if res.Invoice.Number != 1002 {
		t.Fatalf("charge after restart got number %d, want 1002", res.Invoice.Number)
	}
	after := g.pluginPIDs("open")
	if len(after) != 1 || after[0] == before[0] {
		t.Fatalf("plugin not restarted: before %v, after %v", before, after)
	}
	// The first charge's retry replays, it does not invoice twice.
	var replay chargeResult
	r := g.must("POST", "/v1/charges", m.Keys["cashier"], charge(customer, 1), "k-1", 201)
	r.decode(t, &replay)
	if replay.Invoice.Number != 1001 || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay = %+v (header %q)", replay, r.Header.Get("Idempotent-Replayed"))
	}
	assertContiguous(t, listInvoices(t, g, m.Keys["admin"]), 1001, 2)
}

// TestNoChargeLostOrDoubledWhenPluginDiesUnderLoad kills the plugin while
// registers are charging. Each register retries a failed charge with its
// Idempotency-Key until it succeeds, as the register app does; in the end
// every charge has exactly one invoice and the series has no gap.
func TestNoChargeLostOrDoubledWhenPluginDiesUnderLoad(t *testing.T) {
	g, m, customer := setup(t)
	const registers, perRegister = 4, 60
	var wg sync.WaitGroup
	var done, retries atomic.Int64
	var killed []int
	results := make(chan chargeResult, registers*perRegister)
	for r := 0; r < registers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perRegister; i++ {
				n := r*perRegister + i
				key := fmt.Sprintf("reg%d-%d", r, i)
				deadline := time.Now().Add(30 * time.Second)
				for {
					resp, err := g.do("POST", "/v1/charges", m.Keys["cashier"], charge(customer, n), key)
					if err == nil && resp.Status == 201 {
						var res chargeResult
						resp.decode(t, &res)
						results <- res
						done.Add(1)
						break
					}
					retries.Add(1)
					if err == nil && resp.Status != 503 && resp.Status != 502 {
						t.Errorf("charge %s: status %d: %s", key, resp.Status, resp.Body)
						return
					}
					if time.Now().After(deadline) {
						t.Errorf("charge %s never succeeded: %v %v", key, err, resp.Status)
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
		}()
	}
	// Kill the plugin at a third and at two thirds of the charges, while
	// the registers are charging.
	for _, at := range []int64{registers * perRegister / 3, 2 * registers * perRegister / 3} {
		waitFor(t, fmt.Sprintf("%d charges", at), 30*time.Second, func() bool { return done.Load() >= at })
		var pid int
		waitFor(t, "plugin process", 20*time.Second, func() bool {
			pids := g.pluginPIDs("open")
			if len(pids) == 1 {
				pid = pids[0]
			}
			return pid != 0
		})
		_ = syscall.Kill(pid, syscall.SIGKILL)
		killed = append(killed, pid)
		waitFor(t, "killed plugin to exit", 10*time.Second, func() bool { return !alive(pid) })
	}
	wg.Wait()
	close(results)
	now := g.pluginPIDs("open")
	if len(now) != 1 || now[0] == killed[0] || now[0] == killed[1] || killed[0] == killed[1] {
		t.Fatalf("plugin PIDs: killed %v, running %v: the plugin was not restarted after each kill", killed, now)
	}
	t.Logf("%d charges, %d register retries after failed attempts", done.Load(), retries.Load())
	seen := map[string]bool{}
	for res := range results {
		if seen[res.Invoice.ID] {
			t.Fatalf("invoice %s returned for two charges", res.Invoice.ID)
		}
		seen[res.Invoice.ID] = true
	}
	assertContiguous(t, listInvoices(t, g, m.Keys["admin"]), 1001, registers*perRegister)
}

// TestConcurrentChargesWithRetries: 50 concurrent charges, 20 % of them
// sent twice at once under the same Idempotency-Key, make exactly 50
// invoices numbered 1001–1050.
func TestConcurrentChargesWithRetries(t *testing.T) {
	g, m, customer := setup(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	invoiceByKey := map[string]map[string]bool{}
	send := func(n int) {
		defer wg.Done()
		key := fmt.Sprintf("charge-%d", n)
		resp, err := g.do("POST", "/v1/charges", m.Keys["cashier"], charge(customer, n), key)
		if err != nil || resp.Status != 201 {
			t.Errorf("charge %d: %v %d %s", n, err, resp.Status, resp.Body)
			return
		}
		var res chargeResult
		resp.decode(t, &res)
		mu.Lock()
		if invoiceByKey[key] == nil {
			invoiceByKey[key] = map[string]bool{}
		}
		invoiceByKey[key][res.Invoice.ID] = true
		mu.Unlock()
	}
	for n := 0; n < 50; n++ {
		wg.Add(1)
		go send(n)
		if n%5 == 0 { // 10 of 50 retried
			wg.Add(1)
			go send(n)
		}
	}
	wg.Wait()
	for key, ids := range invoiceByKey {
		if len(ids) != 1 {
			t.Errorf("key %s got %d different invoices", key, len(ids))
		}
	}
	assertContiguous(t, listInvoices(t, g, m.Keys["admin"]), 1001, 50)
}

func TestSIGTERMStopsPlugins(t *testing.T) {
	g, m, customer := setup(t)
	g.must("POST", "/v1/charges", m.Keys["cashier"], charge(customer, 1), "k-1", 201)
	pids := g.pluginPIDs("open")
	if len(pids) != 1 {
		t.Fatalf("plugin processes: %v", pids)
	}
	g.stop()
	if !g.cmd.ProcessState.Success() {
		t.Errorf("gateway exit after SIGTERM: %v", g.cmd.ProcessState)
	}
	waitFor(t, "plugin to exit with the gateway", 10*time.Second, func() bool { return !alive(pids[0]) })
}

func TestSIGKILLedGatewayLeavesNoOrphan(t *testing.T) {
	g, m, customer := setup(t)
	g.must("POST", "/v1/charges", m.Keys["cashier"], charge(customer, 1), "k-1", 201)
	pids := g.pluginPIDs("open")
	if len(pids) != 1 {
		t.Fatalf("plugin processes: %v", pids)
	}
	_ = g.cmd.Process.Kill()
	<-g.done
	waitFor(t, "orphaned plugin to exit", 10*time.Second, func() bool { return !alive(pids[0]) })
}
