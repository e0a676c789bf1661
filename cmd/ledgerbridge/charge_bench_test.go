package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/ledgerbridge/ledgerbridge/config"
	"github.com/ledgerbridge/ledgerbridge/core"
	"github.com/ledgerbridge/ledgerbridge/httpapi"
)

// BenchmarkChargeInProcess drives POST /v1/charges through the real
// wiring (HTTP → core → open provider linked in → SQLite) with parallel
// clients, for profiling the gateway side. bench/chargeload measures the
// real binary with the plugin out of process.
func BenchmarkChargeInProcess(b *testing.B) {
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	cfg.LogLevel = "error"
	ctx := context.Background()
	a, err := newApp(ctx, cfg, io.Discard, appOptions{inProcess: true})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	cm, err := a.engine.CreateMerchant(ctx, core.NewMerchant{Name: "Bench AB", Country: core.Sweden})
	if err != nil {
		b.Fatal(err)
	}
	admin, _ := a.engine.Authenticate(ctx, cm.APIKeys[core.RoleAdmin])
	cust, err := a.engine.CreateCustomer(ctx, admin, core.Customer{Name: "Kund AB", Active: true, InvoicingEnabled: true, DueDays: 30})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(a.engine, httpOptions(a.cfg, a)))
	defer srv.Close()
	body := []byte(fmt.Sprintf(`{"customer_id":%q,"location_id":"l","receipt_id":"RECEIPT","lines":[
		{"description":"Vara 0","product_group":"food","quantity":1,"unit_price":4900,"vat_rate":"12"},
		{"description":"Vara 1","product_group":"food","quantity":2,"unit_price":5000,"vat_rate":"12"},
		{"description":"Vara 2","product_group":"food","quantity":3,"unit_price":5100,"vat_rate":"12"}]}`, cust.ID))
	key := cm.APIKeys[core.RoleCashier]
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var seq atomic.Int64
	b.SetParallelism(16) // × GOMAXPROCS clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			// A receipt is charged once: each charge is its own receipt.
			n := seq.Add(1)
			req, _ := http.NewRequest("POST", srv.URL+"/v1/charges",
				bytes.NewReader(bytes.Replace(body, []byte("RECEIPT"), []byte(fmt.Sprint("r", n)), 1)))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Idempotency-Key", fmt.Sprint("k", n))
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 201 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
