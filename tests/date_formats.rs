//! Slash and dot dates (`dateFormat`) and `infer_date_format`. Expected instants are from
//! Python's `datetime(…, tzinfo=timezone.utc).timestamp()`; the summary counts are by hand.

use unimetric::data::dates::{infer_date_format, parse_date_text_as, DateFormat, Zone};
use unimetric::{ColumnMapping, CustomerSummary, SummaryOptions, Transactions};

const DEC_1_2010_0826: i64 = 1_291_191_960_000;
const DEC_23_2010_082610: i64 = 1_293_092_770_000;
const DEC_1_2010: i64 = 1_291_161_600_000;
const MAR_5_2024: i64 = 1_709_596_800_000;

fn read(text: &str, format: DateFormat) -> Result<i64, String> {
    parse_date_text_as(text, "InvoiceDate", 7, &Zone::utc(), format).map_err(|e| {
        assert_eq!(e.code(), "E_BAD_DATE", "{e}");
        e.to_string()
    })
}

#[test]
fn each_format_reads_its_order_with_one_or_two_digits_and_an_optional_time() {
    use DateFormat::*;
    assert_eq!(read("12/1/2010 8:26", MonthDayYear), Ok(DEC_1_2010_0826));
    assert_eq!(
        read("12/01/2010 08:26:00", MonthDayYear),
        Ok(DEC_1_2010_0826)
    );
    assert_eq!(
        read("23/12/2010 08:26:10", DayMonthYear),
        Ok(DEC_23_2010_082610)
    );
    assert_eq!(read("1/12/2010", DayMonthYear), Ok(DEC_1_2010));
    assert_eq!(read("1.12.2010", DayMonthYearDots), Ok(DEC_1_2010));
    assert_eq!(
        read("01.12.2010 8:26", DayMonthYearDots),
        Ok(DEC_1_2010_0826)
    );
    // The date policy's own forms stay readable under every format.
    for f in DateFormat::ALL {
        assert_eq!(read("2024-03-05", f), Ok(MAR_5_2024));
        assert_eq!(read("2024-03-05T00:00:00Z", f), Ok(MAR_5_2024));
        assert_eq!(read("1709596800000", f), Ok(MAR_5_2024));
    }
}

#[test]
fn text_that_does_not_fit_the_format_is_refused_naming_column_and_row() {
    use DateFormat::*;
    for (text, f) in [
        ("13/1/2010", MonthDayYear),  // no month 13
        ("2/30/2024", MonthDayYear),  // no February 30
        ("12/23/2010", DayMonthYear), // no month 23
        ("1/2/24", MonthDayYear),     // two-digit year
        ("1/2/2024 25:00", MonthDayYear),
        ("1/2/2024 8:5", MonthDayYear),
        ("1/2/2024 8:05:1", MonthDayYear),
        ("1/2/2024 8", MonthDayYear),
        ("1/2/2024", DayMonthYearDots), // slashes under the dot format: the policy refuses them
        ("1.2.2024", MonthDayYear),     // dots under a slash format: not a recognised date
        ("001/2/2024", MonthDayYear),
        ("1/2/0999", MonthDayYear), // before the year 1000
    ] {
        let err = read(text, f).expect_err(text);
        assert!(
            err.contains("InvoiceDate") && err.contains("row 7"),
            "{text}: {err}"
        );
    }
    // Without a format, a slash date names the option that reads it.
    let err = read("12/1/2010", DateFormat::Iso).unwrap_err();
    assert!(err.contains("dateFormat"), "{err}");
}

#[test]
fn naive_slash_times_are_wall_time_in_the_zone() {
    let berlin = Zone::parse("Europe/Berlin").unwrap();
    // 2024-03-31 02:30 does not exist in Berlin (02:00 → 03:00): compatible = 03:30 CEST = 01:30Z.
    let ms = parse_date_text_as("3/31/2024 2:30", "d", 1, &berlin, DateFormat::MonthDayYear);
    assert_eq!(ms.unwrap(), 1_711_848_600_000);
    // A bare date is the local midnight: 1 Dec 2010 00:00 CET = 30 Nov 23:00Z.
    let ms = parse_date_text_as("1.12.2010", "d", 1, &berlin, DateFormat::DayMonthYearDots);
    assert_eq!(ms.unwrap(), DEC_1_2010 - 3_600_000);
}

/// A UCI-shaped export: customer 17850 buys on Dec 1 and Dec 23 (two days), 13047 once.
#[test]
fn a_csv_with_us_dates_reads_with_its_mapping() {
    let csv = "InvoiceDate,CustomerID,Amount\n12/1/2010 8:26,17850,15.3\n12/1/2010 9:01,13047,20\n12/23/2010 9:01,17850,4.7\n";
    let mut m = ColumnMapping::new("CustomerID", "InvoiceDate", "Amount");
    let err = Transactions::from_csv(csv.as_bytes(), &m).unwrap_err();
    assert_eq!((err.code(), err.row()), ("E_BAD_DATE", Some(2)));
    m.date_format = DateFormat::MonthDayYear;
    let tx = Transactions::from_csv(csv.as_bytes(), &m).unwrap();
    let s = CustomerSummary::from_transactions(&tx, &SummaryOptions::default()).unwrap();
    assert_eq!(s.frequency, vec![0.0, 1.0]); // 13047, 17850 (ids in natural order)
    assert_eq!(s.recency, vec![0.0, 22.0]);
    assert_eq!(s.t, vec![22.0, 22.0]);
    let first = tx.timestamps().iter().copied().min().unwrap();
    assert_eq!(first, DEC_1_2010_0826);
}

#[test]
fn infer_decides_when_the_values_settle_it_and_says_ambiguous_when_not() {
    use DateFormat::*;
    let f = |v: &[&str]| infer_date_format(v.iter().map(|s| Some(*s)), "date");
    let us = f(&["12/1/2010 8:26", "12/23/2010 9:01"]).unwrap();
    assert_eq!(
        (us.format, us.ambiguous, us.values),
        (Some(MonthDayYear), false, 2)
    );
    let eu = f(&["1/12/2010", "23/12/2010"]).unwrap();
    assert_eq!((eu.format, eu.ambiguous), (Some(DayMonthYear), false));
    let open = f(&["1/2/2024", "3/4/2024", "12/12/2024"]).unwrap();
    assert_eq!((open.format, open.ambiguous), (None, true));
    assert_eq!(open.candidates, vec![MonthDayYear, DayMonthYear]);
    let iso = f(&["2024-01-02", "2024-01-03T10:00:00Z"]).unwrap();
    assert_eq!((iso.format, iso.ambiguous), (Some(Iso), false));
    let dots = f(&["1.2.2024", "31.12.2024"]).unwrap();
    assert_eq!(
        (dots.format, dots.candidates),
        (Some(DayMonthYearDots), vec![DayMonthYearDots])
    );
    // Blank and missing values are skipped.
    let gaps = infer_date_format([Some(""), None, Some("12/23/2010")], "d").unwrap();
    assert_eq!((gaps.format, gaps.values), (Some(MonthDayYear), 1));
    // 12/23 rules out day first and 23/12 month first: no one format reads both.
    let err = f(&["1/1/2024", "12/23/2010", "23/12/2010"]).unwrap_err();
    assert_eq!((err.code(), err.row()), ("E_BAD_DATE", Some(3)));
    assert!(
        err.to_string().contains("MM/DD/YYYY reads the 2 values"),
        "{err}"
    );
    let err = f(&["yesterday"]).unwrap_err();
    assert_eq!((err.code(), err.row()), ("E_BAD_DATE", Some(1)));
    let empty = infer_date_format([None, Some("  ")], "d").unwrap_err();
    assert_eq!(empty.code(), "E_EMPTY");
}
