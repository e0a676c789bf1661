package main

import (
	"strings"
	"testing"
)

func TestRunRefusesBadSetup(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing document", []string{"--spec", "/nonexistent/visma_external_api.yaml"}, "nonexistent"},
		{"bad address", []string{"--addr", "127.0.0.1:99999"}, "listen"},
		{"unknown flag", []string{"--bogus"}, "bogus"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run(%v) = %v, want an error mentioning %q", tt.args, err, tt.want)
			}
		})
	}
}
