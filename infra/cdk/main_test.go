package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadProps(t *testing.T) {
	web := t.TempDir()
	if err := os.WriteFile(filepath.Join(web, "index.html"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	tests := []struct {
		name      string
		env       map[string]string
		wantErr   bool
		wantStage string
		wantWeb   string
		wantEnv   bool
	}{
		{name: "defaults", env: map[string]string{}, wantStage: "dev", wantWeb: ""},
		{name: "prod with account", env: map[string]string{
			"RESYNC_STAGE": "prod", "CDK_DEFAULT_ACCOUNT": "123456789012", "CDK_DEFAULT_REGION": "eu-west-1", "RESYNC_WEB_DIR": web,
		}, wantStage: "prod", wantWeb: web, wantEnv: true},
		{name: "empty web dir is skipped", env: map[string]string{"RESYNC_WEB_DIR": empty}, wantStage: "dev", wantWeb: ""},
		{name: "unknown stage", env: map[string]string{"RESYNC_STAGE": "qa"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The default web dir is ../../web, which may exist; pin it.
			if _, ok := tt.env["RESYNC_WEB_DIR"]; !ok {
				tt.env["RESYNC_WEB_DIR"] = filepath.Join(empty, "absent")
			}
			p, err := loadProps(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr {
				t.Fatalf("loadProps: got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if p.Stage.Name != tt.wantStage {
				t.Errorf("stage: got %s, want %s", p.Stage.Name, tt.wantStage)
			}
			if p.WebDir != tt.wantWeb {
				t.Errorf("web dir: got %q, want %q", p.WebDir, tt.wantWeb)
			}
			if (p.Env != nil) != tt.wantEnv {
				t.Errorf("env set: got %v, want %v", p.Env != nil, tt.wantEnv)
			}
			if p.CodeDir == "" {
				t.Error("empty CodeDir")
			}
		})
	}
}
