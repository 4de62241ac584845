package database

import "database/sql"

// Scanner is what a row scan function reads from: *sql.Rows or *sql.Row.
type Scanner = interface{ Scan(...any) error }

// Collect reads every row of rows with scan and closes rows. It returns
// nil (not an empty slice) when there are no rows, and the first scan or
// iteration error, unwrapped: the caller says what it was listing.
func Collect[T any](rows *sql.Rows, scan func(Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// String scans a one-column row of text, for Collect.
func String(sc Scanner) (string, error) {
	var s string
	err := sc.Scan(&s)
	return s, err
}
