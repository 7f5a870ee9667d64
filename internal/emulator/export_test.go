package emulator

// RaceEnabled lets the external tests skip what -race makes too slow.
const RaceEnabled = raceEnabled
