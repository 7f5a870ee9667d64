package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkStoreDirectoryOnce100k is the least a first sync of issue 9's
// tenant (100,000 users with two proxy addresses each, 10,000 groups,
// 1,050,000 memberships) can cost this store: every row written once,
// straight from memory into the live tables, 100 rows per INSERT, in one
// transaction, the secondary indexes built afterwards in sorted passes. No
// staging, no JSON, no planning. It is a bound, not a design: a sync cannot
// hold the tenant in memory. Divided by BenchmarkFloor100k (fetching and
// decoding the same tenant) it is the part of the ratio first sync / floor
// that storing alone costs, whatever the sync does around it.
func BenchmarkStoreDirectoryOnce100k(b *testing.B) {
	const users, groups, perGroup = 100_000, 10_000, 105
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 9))
	guid := func() string {
		return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xffff,
			rng.Uint32()&0xffff, rng.Uint64()&0xffffffffffff)
	}
	userIDs := make([]string, users)
	for i := range userIDs {
		userIDs[i] = guid()
	}
	groupIDs := make([]string, groups)
	for i := range groupIDs {
		groupIDs[i] = guid()
	}
	for b.Loop() {
		b.StopTimer()
		st, err := Open(ctx, filepath.Join(b.TempDir(), "connect.db"))
		if err != nil {
			b.Fatal(err)
		}
		seedConnection(b, st, "c1")
		var steps []string
		step := func(what string, since time.Time) {
			steps = append(steps, fmt.Sprintf("%6.2fs %s", time.Since(since).Seconds(), what))
		}
		b.StartTimer()
		started := time.Now()
		err = st.inBulkAddTx(ctx, func(tx *sql.Tx) error {
			t := time.Now()
			restore, err := dropIndexesWhileEmpty(ctx, tx)
			if err != nil {
				return err
			}
			now := formatTime(time.Now())
			userRow := func(i int) []any {
				first, last := firstNames[i%len(firstNames)], lastNames[(i/7)%len(lastNames)]
				local := strings.ToLower(fmt.Sprintf("%s.%s%d", first, last, i))
				return []any{"c1", userIDs[i], local + "@contoso.com", local + "@contoso.com", first + " " + last,
					first, last, "Engineer", "Research", "Building 4", "Contoso", "+1 555 0100",
					`["+1 555 0101"]`, `["SMTP:` + local + `@contoso.com","smtp:` + local + `@contoso.net"]`, 1, "Member",
					fmt.Sprint(i), "US", "en-US", "2024-01-02T03:04:05Z", now, "r1", now}
			}
			if err := insertRows(ctx, tx, `INTO dir_users (connection_id, id, user_principal_name, mail, display_name,
				given_name, surname, job_title, department, office_location, company_name, mobile_phone, business_phones,
				proxy_addresses, account_enabled, user_type, employee_id, usage_location, preferred_language,
				created_date_time, created_at, last_changed_run_id, updated_at)`, 23, users, userRow); err != nil {
				return err
			}
			step("users", t)
			t = time.Now()
			if _, err := tx.ExecContext(ctx, indexAllAddresses, "r1", "c1"); err != nil {
				return err
			}
			step("proxy addresses", t)
			t = time.Now()
			groupRow := func(i int) []any {
				return []any{"c1", groupIDs[i], fmt.Sprintf("Team %d", i), fmt.Sprintf("team%d@contoso.com", i), 1, 0,
					`["Unified"]`, "A team", now, "r1", now}
			}
			if err := insertRows(ctx, tx, `INTO dir_groups (connection_id, id, display_name, mail, mail_enabled,
				security_enabled, group_types, description, created_at, last_changed_run_id, updated_at)`, 11, groups,
				groupRow); err != nil {
				return err
			}
			step("groups", t)
			t = time.Now()
			// Graph sends a group's members together, groups in no order.
			memberRow := func(i int) []any {
				return []any{"c1", groupIDs[i/perGroup], userIDs[(i*7919)%users], "user"}
			}
			if err := insertRows(ctx, tx, `OR IGNORE INTO dir_memberships (connection_id, group_id, member_id,
				member_kind)`, 4, groups*perGroup, memberRow); err != nil {
				return err
			}
			step("memberships", t)
			t = time.Now()
			if err := restore(); err != nil {
				return err
			}
			step("secondary indexes", t)
			t = time.Now()
			if _, err := tx.ExecContext(ctx, countDirectory, "r1", "c1", now); err != nil {
				return err
			}
			step("count", t)
			return nil
		})
		step("in all, with the commit", started)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("steps:\n%s", strings.Join(steps, "\n"))
		st.Close()
		b.StartTimer()
	}
}

// insertRows inserts n rows made by row, 100 to a statement (n is a
// multiple of 100).
func insertRows(ctx context.Context, tx *sql.Tx, into string, width, n int, row func(int) []any) error {
	const per = 100
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
	stmt, err := tx.PrepareContext(ctx, "INSERT "+into+" VALUES "+strings.TrimSuffix(strings.Repeat(one+",", per), ","))
	if err != nil {
		return err
	}
	defer stmt.Close()
	args := make([]any, 0, per*width)
	for i := 0; i+per <= n; i += per {
		args = args[:0]
		for j := i; j < i+per; j++ {
			args = append(args, row(j)...)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert %s: %w", into, err)
		}
	}
	return nil
}

// seedConnection adds a connection for a benchmark's directory.
func seedConnection(b *testing.B, st *Store, connID string) {
	b.Helper()
	now := formatTime(time.Now())
	if _, err := st.Writer.Exec(`INSERT INTO connections (id, kind, authority_host, graph_url, tenant_domain,
		application_id, state, created_at, updated_at) VALUES (?, 'azure_directory_sync', 'a', 'g', 'contoso.com', 'app', 'active', ?, ?)`,
		connID, now, now); err != nil {
		b.Fatal(err)
	}
}
