//go:build race

package emulator

// raceEnabled skips timing tests: the race detector slows generation ~5x.
const raceEnabled = true
