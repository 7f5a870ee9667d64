package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The staging area of a run: Graph's pages land here, never in the live
// directory, so a run that fails or is cancelled before it applies leaves
// the directory exactly as it was (DESIGN.md "Sync engine shape").

// StagedObject is one user or group as one delta page carried it: Data is
// its JSON as received, so a property Graph left out stays left out. A
// user that is not removed comes as User instead, the same as columns.
type StagedObject struct {
	ID      string
	Removed bool
	Data    []byte
	User    *StagedUser
}

// StagedMember is one entry of a group's members@delta.
type StagedMember struct {
	GroupID    string
	MemberID   string
	MemberKind string // MemberUser or MemberGroup
	Removed    bool
}

// ObjectKind names the staged object tables.
type ObjectKind string

// The two object kinds a run stages.
const (
	KindUsers  ObjectKind = "users"
	KindGroups ObjectKind = "groups"
)

func (k ObjectKind) stageTable() string {
	if k == KindGroups {
		return "stage_groups"
	}
	return "stage_users"
}

func (k ObjectKind) changeTable() string {
	if k == KindGroups {
		return "run_group_changes"
	}
	return "run_user_changes"
}

// BeginStaging opens an empty staging area for a run; full says whether the
// fetch walks the whole directory (no delta links, or a reset).
func (s *Store) BeginStaging(ctx context.Context, runID, connectionID string, full bool) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := discardStagingTx(ctx, tx, runID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO stage_runs (run_id, connection_id, full_sync) VALUES (?, ?, ?)`,
			runID, connectionID, full)
		if err != nil {
			return fmt.Errorf("begin staging of run %s: %w", runID, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET full_sync = ? WHERE id = ?`, full, runID)
		if err != nil {
			return fmt.Errorf("mark run %s full: %w", runID, err)
		}
		return nil
	})
}

// DiscardStaging removes everything a run staged or planned.
func (s *Store) DiscardStaging(ctx context.Context, runID string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return discardStagingTx(ctx, tx, runID) })
}

func discardStagingTx(ctx context.Context, tx *sql.Tx, runID string) error {
	// When no other run has staging (the usual case), the tables are
	// emptied whole: SQLite then frees their pages instead of deleting a
	// million rows one by one from the table and its index.
	var others bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM stage_runs WHERE run_id <> ?)`, runID).Scan(&others); err != nil {
		return fmt.Errorf("discard staging of run %s: %w", runID, err)
	}
	where, args := ` WHERE run_id = ?`, []any{runID}
	if !others {
		where, args = "", nil
	}
	for _, table := range []string{"stage_users", "stage_groups", "stage_member_lists", "stage_runs",
		"run_user_changes", "run_group_changes", "run_membership_changes"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+where, args...); err != nil {
			return fmt.Errorf("discard %s of run %s: %w", table, runID, err)
		}
	}
	return nil
}

// DiscardAbandonedStaging removes staging left by runs that are no longer
// running or awaiting approval (after a crash, say).
func (s *Store) DiscardAbandonedStaging(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		ids, err := queryIDs(ctx, tx, "find abandoned staging", `SELECT run_id FROM stage_runs WHERE run_id NOT IN
			(SELECT id FROM runs WHERE state IN ('running', 'awaiting_approval'))`)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := discardStagingTx(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// StagedPage is one delta page of users or groups, with the page's member
// changes (groups only).
type StagedPage struct {
	Kind    ObjectKind
	Objects []StagedObject
	Members []StagedMember
}

// StagePages appends pages in arrival order and records the run's progress
// after them, in one transaction: a commit per page of a large tenant was
// a third of the staging time (WAL frames and their syscalls).
func (s *Store) StagePages(ctx context.Context, runID string, pages []StagedPage, progress RunStats) error {
	// The INSERTs are prepared once per writer connection, not once per
	// transaction (parsing them was a tenth of staging's CPU), and that
	// has to happen before the transaction holds the one writer.
	stmts := map[string]*sql.Stmt{}
	for _, head := range stageHeads {
		for _, q := range head.inserts {
			if st := s.writes.stmt(ctx, q); st != nil {
				stmts[q] = st
			}
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := recordRunProgress(ctx, tx, runID, progress); err != nil {
			return err
		}
		ins := stageInserter{ctx: ctx, tx: tx, prepared: stmts, stmts: map[string]*sql.Stmt{}}
		defer ins.close()
		var members []StagedMember
		for _, p := range pages {
			if err := ins.objects(runID, p); err != nil {
				return err
			}
			members = append(members, p.Members...)
		}
		// A group split over pages (its members continue on the next
		// page) makes one list when its pages are staged together.
		return ins.memberLists(runID, memberLists(members))
	})
}

// stageRows is how many rows one staging INSERT carries: one Exec per row
// spent more in database/sql and the driver than in SQLite.
const stageRows = 100

// stageShapes are the row counts of the staging INSERTs: full ones, and
// what remains of a page written as a sum of powers of two, so that a
// handful of statements serve every page.
var stageShapes = []int{stageRows, 64, 32, 16, 8, 4, 2, 1}

// stageHead is one staging table's INSERTs: inserts[i] carries
// stageShapes[i] rows.
type stageHead struct {
	width   int // values per row
	inserts []string
}

// newStageHead makes the INSERTs of a table; tuple is one row's values,
// "(?, ?)" and the like, with width placeholders.
func newStageHead(into, tuple string, width int) stageHead {
	h := stageHead{width: width}
	for _, rows := range stageShapes {
		h.inserts = append(h.inserts, into+" VALUES "+tuple+strings.Repeat(", "+tuple, rows-1))
	}
	return h
}

var (
	// A group, or a removed user, is staged as JSONB (SQLite's binary
	// JSON), parsed once here while Graph sends the next pages, rather than
	// when a first sync copies it into the directory and reads its
	// properties. Other users are staged as columns (stageUserRowsHead).
	stageUsersHead  = newStageHead(`INSERT INTO stage_users (run_id, id, removed, data)`, `(?, ?, ?, jsonb(?))`, 4)
	stageGroupsHead = newStageHead(`INSERT INTO stage_groups (run_id, id, removed, data)`, `(?, ?, ?, jsonb(?))`, 4)
	stageHeads      = []stageHead{stageUsersHead, stageUserRowsHead, stageGroupsHead, stageListsHead}
)

// stageInserter writes staged rows with multi-row INSERTs.
type stageInserter struct {
	ctx      context.Context
	tx       *sql.Tx
	prepared map[string]*sql.Stmt // on the writer, by text
	stmts    map[string]*sql.Stmt // the same in this transaction
	args     []any
}

func (in *stageInserter) close() {
	for _, st := range in.stmts {
		st.Close()
	}
}

// exec inserts the rows in.args holds (at most stageRows).
func (in *stageInserter) exec(head stageHead) error {
	args := in.args
	in.args = in.args[:0]
	for i, rows := range stageShapes {
		for len(args) >= rows*head.width {
			st, err := in.stmt(head.inserts[i])
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(in.ctx, args[:rows*head.width]...); err != nil {
				return err
			}
			args = args[rows*head.width:]
		}
	}
	return nil
}

func (in *stageInserter) stmt(q string) (*sql.Stmt, error) {
	if st, ok := in.stmts[q]; ok {
		return st, nil
	}
	var st *sql.Stmt
	var err error
	if prepared, ok := in.prepared[q]; ok {
		st = in.tx.StmtContext(in.ctx, prepared)
	} else if st, err = in.tx.PrepareContext(in.ctx, q); err != nil {
		return nil, err
	}
	in.stmts[q] = st
	return st, nil
}

// objects stages a page's objects in arrival order: a run of entries of
// one shape (JSON, or a user as columns) at a time, so that seq keeps
// the order of one object's entries.
func (in *stageInserter) objects(runID string, p StagedPage) error {
	jsonHead := stageUsersHead
	if p.Kind == KindGroups {
		jsonHead = stageGroupsHead
	}
	head := func(asColumns bool) stageHead {
		if asColumns {
			return stageUserRowsHead
		}
		return jsonHead
	}
	asColumns, rows := false, 0
	for i, o := range p.Objects {
		if rows > 0 && asColumns != (o.User != nil) {
			if err := in.exec(head(asColumns)); err != nil {
				return fmt.Errorf("stage %s up to %s: %w", p.Kind, o.ID, err)
			}
			rows = 0
		}
		asColumns = o.User != nil
		if asColumns {
			in.args = appendUserRow(in.args, runID, o.User)
		} else {
			in.args = append(in.args, runID, o.ID, o.Removed, o.Data)
		}
		rows++
		if rows == stageRows || i == len(p.Objects)-1 {
			if err := in.exec(head(asColumns)); err != nil {
				return fmt.Errorf("stage %s up to %s: %w", p.Kind, o.ID, err)
			}
			rows = 0
		}
	}
	return nil
}

func (in *stageInserter) memberLists(runID string, lists []memberList) error {
	for i, l := range lists {
		// As text, which they are: SQLite's JSON functions take a BLOB
		// for JSONB first.
		in.args = append(in.args, runID, l.groupID, l.adds, l.removals, string(l.users), string(l.groups), string(l.removed))
		if (i+1)%stageRows == 0 || i == len(lists)-1 {
			if err := in.exec(stageListsHead); err != nil {
				return fmt.Errorf("stage members of groups up to %s: %w", l.groupID, err)
			}
		}
	}
	return nil
}

// SetStagedDeltaLinks keeps the delta links a fetch ended with; they become
// the connection's only when the run applies.
func (s *Store) SetStagedDeltaLinks(ctx context.Context, runID, usersLink, groupsLink string) error {
	_, err := s.Writer.ExecContext(ctx, `UPDATE stage_runs SET users_delta_link = ?, groups_delta_link = ? WHERE run_id = ?`,
		usersLink, groupsLink, runID)
	if err != nil {
		return fmt.Errorf("keep delta links of run %s: %w", runID, err)
	}
	return nil
}

// AnyStaged reports whether a run fetched any object of one kind that was
// not removed: it stops at the first, where counting them read a hundred
// thousand index entries.
func (s *Store) AnyStaged(ctx context.Context, runID string, kind ObjectKind) (bool, error) {
	var found bool
	err := s.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+kind.stageTable()+` WHERE run_id = ? AND removed = 0)`, runID).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("look for staged %s: %w", kind, err)
	}
	return found, nil
}

// stagedChunk is how many staged rows EachStaged reads per query.
const stagedChunk = 500

// repeatedStaged selects the ids of the objects of a staging table that
// run ?1 staged more than once: Graph sent them again (replays, or an
// object changed while the fetch ran), so they are folded; every other
// entry is its object. One pass over the table's index, run once per
// statement as an uncorrelated subquery: a first sync repeats few
// objects, and looking each of a hundred thousand entries up for a second
// entry cost two to three times as much (count, fold and copy each).
func repeatedStaged(table string) string {
	return `SELECT id FROM ` + table + ` WHERE run_id = ?1 GROUP BY id HAVING COUNT(*) > 1`
}

// EachStaged hands fn every staged entry of one kind, ordered by object id
// and then by arrival, so one object's repeats come together and in order.
// With repeatedOnly it skips objects staged once (a first sync adds those
// straight from staging). It reads a chunk at a time and holds no query open while fn
// runs, so fn may use the store freely: with many workers, a cursor held
// open while waiting for a second pooled reader could starve the pool.
func (s *Store) EachStaged(ctx context.Context, runID string, kind ObjectKind, repeatedOnly bool, fn func(StagedObject) error) error {
	filter := ""
	if repeatedOnly {
		// The repeated ids from the chunk's first on, at most a chunk's
		// worth: the GROUP BY walks the index in id order and stops
		// there, so the chunks together read it once, however many
		// objects repeat (a first sync's large groups come on page after
		// page).
		filter = ` AND id IN (SELECT id FROM ` + kind.stageTable() + ` WHERE run_id = ?1 AND id >= ?2
			GROUP BY id HAVING COUNT(*) > 1 ORDER BY id LIMIT ?4)`
	}
	// A user staged as columns has no JSON: json('') would fail, so the
	// users' query reads data only for entries without columns.
	columns, scan := `json(data)`, func(r interface{ Scan(...any) error }, seq *int64, obj *StagedObject) error {
		return r.Scan(seq, &obj.ID, &obj.Removed, &obj.Data)
	}
	if kind == KindUsers {
		columns, scan = `CASE WHEN sent IS NULL THEN json(data) END, `+stagedUserColumns, scanStagedUser
	}
	afterID, afterSeq := "", int64(-1)
	for {
		rows, err := s.query(ctx, `SELECT seq, id, removed, `+columns+` FROM `+kind.stageTable()+` s
			WHERE run_id = ?1 AND (id, seq) > (?2, ?3)`+filter+` ORDER BY id, seq LIMIT ?4`, runID, afterID, afterSeq, stagedChunk)
		if err != nil {
			return fmt.Errorf("read staged %s: %w", kind, err)
		}
		type entry struct {
			seq int64
			obj StagedObject
		}
		chunk, err := collect(rows, func(r interface{ Scan(...any) error }) (entry, error) {
			var e entry
			return e, scan(r, &e.seq, &e.obj)
		})
		if err != nil {
			return fmt.Errorf("read staged %s: %w", kind, err)
		}
		for _, e := range chunk {
			if err := fn(e.obj); err != nil {
				return err
			}
		}
		if len(chunk) < stagedChunk {
			return nil
		}
		last := chunk[len(chunk)-1]
		afterID, afterSeq = last.obj.ID, last.seq
	}
}

// Change operations of a run's plan.
const (
	OpAdd    = "add"
	OpUpdate = "update"
	OpDelete = "delete"
)

// ObjectChange is one planned change: for add and update, Data is the
// object's final attributes as DirUser or DirGroup JSON.
type ObjectChange struct {
	ID   string
	Op   string
	Data []byte
}

// PlanChanges records a batch of planned object changes. The attributes
// are kept as JSONB (SQLite's binary JSON): applying reads some twenty
// attributes of each object with ->>, which would parse JSON text once per
// attribute.
func (s *Store) PlanChanges(ctx context.Context, runID string, kind ObjectKind, changes []ObjectChange) error {
	if len(changes) == 0 {
		return nil
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO `+kind.changeTable()+` (run_id, id, op, data) VALUES (?, ?, ?, jsonb(?))`)
		if err != nil {
			return fmt.Errorf("prepare plan of %s: %w", kind, err)
		}
		defer stmt.Close()
		for _, c := range changes {
			data := c.Data
			if data == nil {
				data = []byte("{}")
			}
			if _, err := stmt.ExecContext(ctx, runID, c.ID, c.Op, data); err != nil {
				return fmt.Errorf("plan %s of %s %s: %w", c.Op, kind, c.ID, err)
			}
		}
		return nil
	})
}

// PlanUnstagedDeletions plans the deletion of every live object a full
// fetch did not return: a full delta round lists the whole directory.
func (s *Store) PlanUnstagedDeletions(ctx context.Context, runID, connectionID string, kind ObjectKind) error {
	live := "dir_users"
	if kind == KindGroups {
		live = "dir_groups"
	}
	_, err := s.Writer.ExecContext(ctx, `INSERT OR IGNORE INTO `+kind.changeTable()+` (run_id, id, op)
		SELECT ?1, d.id, 'delete' FROM `+live+` d WHERE d.connection_id = ?2
		AND NOT EXISTS (SELECT 1 FROM `+kind.stageTable()+` s WHERE s.run_id = ?1 AND s.id = d.id AND s.removed = 0)`,
		runID, connectionID)
	if err != nil {
		return fmt.Errorf("plan deletion of unfetched %s: %w", kind, err)
	}
	return nil
}
