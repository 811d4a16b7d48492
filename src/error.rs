//! The one error type of the crate, with stable codes.
//!
//! Every failure a caller can provoke with their data or options is a variant of [`Error`].
//! Each variant has a stable machine-readable [`code`](Error::code) (for example
//! `E_LENGTH_MISMATCH`) and a message that names the column and the row where the problem is.
//! In JavaScript the same error arrives as an `Error` whose `code`, `column` and `row`
//! properties carry the same information.
//!
//! Row numbers are 1-based. For CSV input the row is the line number a spreadsheet shows for the
//! record (the header is row 1, the first data record row 2); for arrays of rows or columns it
//! is the position in the array counted from 1 (`rows[0]` is row 1).

use std::borrow::Cow;
use std::fmt;

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Every error unimetric reports.
///
/// The set of codes is stable: a code is never reused for a different meaning, so callers can
/// branch on [`Error::code`].
///
/// ```
/// use unimetric::Error;
/// let e = Error::NonFinite { column: "amount".into(), row: 3, value: f64::NAN };
/// assert_eq!(e.code(), "E_NON_FINITE");
/// assert_eq!(e.to_string(), "column 'amount', row 3: value NaN is not a finite number");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input holds no usable rows (`E_EMPTY`): zero rows, or none left after a filter
    /// (nothing on or before `observationEnd` or the cutoff). Zero rows is always `E_EMPTY`,
    /// whatever the computation needs; rows that are there but too few or too alike are
    /// [`InsufficientData`](Error::InsufficientData).
    #[error("{what} is empty")]
    Empty {
        /// What was empty, e.g. "transactions" or "transactions on or before observationEnd".
        what: String,
    },
    /// Two columns that must be parallel have different lengths (`E_LENGTH_MISMATCH`).
    #[error("column '{column}' has {actual} values but column '{reference}' has {expected}")]
    LengthMismatch {
        /// The column whose length differs.
        column: String,
        /// Its length.
        actual: usize,
        /// The column it was compared with.
        reference: String,
        /// The length of the reference column.
        expected: usize,
    },
    /// A numeric value is NaN or ±Infinity (`E_NON_FINITE`).
    #[error("column '{column}', row {row}: value {value} is not a finite number")]
    NonFinite {
        /// Column name.
        column: String,
        /// 1-based row.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// A value that must not be negative is negative (`E_NEGATIVE`).
    #[error("column '{column}', row {row}: value {value} must not be negative")]
    Negative {
        /// Column name.
        column: String,
        /// 1-based row.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// A required value is missing or blank (`E_MISSING_VALUE`).
    #[error("column '{column}', row {row}: value is missing")]
    MissingValue {
        /// Column name.
        column: String,
        /// 1-based row.
        row: usize,
    },
    /// A column named in the mapping is not in the input (`E_MISSING_COLUMN`).
    #[error(
        "column '{column}' (mapped as {field}) is not in the input; available columns: {available}"
    )]
    MissingColumn {
        /// The column name the mapping asked for.
        column: String,
        /// The field of the mapping, e.g. `customerId`.
        field: String,
        /// Comma-separated list of the columns that exist.
        available: String,
    },
    /// A date or timestamp cannot be parsed under the date policy (`E_BAD_DATE`).
    #[error("column '{column}', row {row}: cannot read '{value}' as a date ({reason}); accepted: ISO-8601 date or date-time (UTC unless an offset is given), YYYYMMDD, or epoch milliseconds")]
    BadDate {
        /// Column name (or option name, e.g. `observationEnd`).
        column: String,
        /// 1-based row (0 when the value is an option rather than a row).
        row: usize,
        /// The text that was read.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A value has the wrong type, e.g. a boolean where a number is expected (`E_BAD_TYPE`).
    #[error("column '{column}', row {row}: expected {expected}, found {found}")]
    BadType {
        /// Column name.
        column: String,
        /// 1-based row.
        row: usize,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
    },
    /// A value is outside the range the model or format allows (`E_OUT_OF_RANGE`).
    #[error("column '{column}', row {row}: {message}")]
    OutOfRange {
        /// Column name.
        column: String,
        /// 1-based row.
        row: usize,
        /// What is wrong.
        message: String,
    },
    /// CSV text cannot be read (`E_CSV`).
    #[error("CSV row {row}: {message}")]
    Csv {
        /// 1-based row (line of the record's start; the header is row 1).
        row: usize,
        /// What the CSV reader reported.
        message: String,
    },
    /// Arrow IPC bytes cannot be read (`E_ARROW`): not an Arrow IPC stream or file, truncated,
    /// corrupt, or using a feature the reader does not include (such as body compression).
    #[error("Arrow IPC input cannot be read: {message}")]
    Arrow {
        /// What the Arrow reader reported.
        message: String,
    },
    /// An option key is not known (`E_UNKNOWN_OPTION`).
    #[error("unknown option '{option}' for {function}; known options: {known}")]
    UnknownOption {
        /// The key that was passed.
        option: String,
        /// The function it was passed to.
        function: String,
        /// Comma-separated list of known keys.
        known: String,
    },
    /// An option has an invalid value or type (`E_BAD_OPTION`).
    #[error("option '{option}': {message}")]
    BadOption {
        /// The option key.
        option: String,
        /// What is wrong with it.
        message: String,
    },
    /// The input is larger than the library accepts (`E_TOO_LARGE`).
    #[error("{what} has {size} entries; the limit is {limit}")]
    TooLarge {
        /// What was too large.
        what: String,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// Rows are present but too few or too alike for the computation
    /// (`E_INSUFFICIENT_DATA`): fewer than two repeat buyers for an LTV fit, fewer rows than
    /// clusters, labels or scores of one class only. Zero rows is [`Empty`](Error::Empty).
    #[error("insufficient data: {message}")]
    InsufficientData {
        /// What is missing.
        message: String,
    },
    /// An iterative fit did not converge (`E_NOT_CONVERGED`).
    #[error("{model} did not converge after {iterations} iterations: {message}")]
    NotConverged {
        /// The model.
        model: String,
        /// Iterations used.
        iterations: usize,
        /// Detail.
        message: String,
    },
    /// A computation is mathematically undefined for the given inputs (`E_UNDEFINED`),
    /// e.g. a division by a zero churn rate.
    #[error("{metric} is undefined: {message}")]
    Undefined {
        /// The metric id.
        metric: String,
        /// Why.
        message: String,
    },
    /// A metric spec cannot be read (`E_BAD_SPEC`): not JSON, a key of the wrong type or
    /// missing, a name or string out of bounds. Wrapped in [`InSpec`](Error::InSpec) with the
    /// path of the offending value.
    #[error("{message}")]
    BadSpec {
        /// What is wrong.
        message: String,
    },
    /// A metric spec names a metric id the glossary does not have (`E_UNKNOWN_METRIC`).
    #[error("unknown metric '{metric}'; known metrics: {known}")]
    UnknownMetric {
        /// The id that was given.
        metric: String,
        /// Comma-separated ids of the glossary.
        known: String,
    },
    /// A metric spec requires a definition version this library does not have (`E_VERSION`).
    #[error("{metric} is version {available} in this library, which does not satisfy the requirement '{required}'")]
    Version {
        /// The metric id.
        metric: String,
        /// The requirement written in the spec, e.g. `^1`.
        required: String,
        /// The library's version of the definition.
        available: String,
    },
    /// An error about one place of a metric spec: the inner error (whose code it reports) at
    /// `path` (e.g. `metrics.ltv12.params.margin`), with the 1-based line and column when the
    /// spec was JSON text.
    #[error("spec {path}: {inner}")]
    InSpec {
        /// Dotted path of the value, e.g. `metrics.ltv12.params.margin` (`$` for the whole spec).
        path: String,
        /// 1-based line in the JSON text (0 when unknown).
        line: usize,
        /// 1-based column in the JSON text (0 when unknown).
        col: usize,
        /// The error itself.
        inner: Box<Error>,
    },
    /// The computation was stopped before it finished (`E_CANCELLED`): a progress hook returned
    /// this error, or (in JavaScript) the worker running it was cancelled or terminated.
    #[error("{what} was cancelled: {reason}")]
    Cancelled {
        /// What was stopped, e.g. "k-means".
        what: String,
        /// Why, e.g. "the progress callback returned false".
        reason: String,
    },
}

/// An error as data: `{ code, message, row, column? }` (`row` 0 when the error names no row), the
/// form in which a report lists the rows it rejected.
impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Error", 4)?;
        st.serialize_field("code", self.code())?;
        st.serialize_field("message", &self.to_string())?;
        st.serialize_field("row", &self.row().unwrap_or(0))?;
        match self.column() {
            Some(column) => st.serialize_field("column", column)?,
            None => st.skip_field("column")?,
        }
        st.end()
    }
}

impl Error {
    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Empty { .. } => "E_EMPTY",
            Error::LengthMismatch { .. } => "E_LENGTH_MISMATCH",
            Error::NonFinite { .. } => "E_NON_FINITE",
            Error::Negative { .. } => "E_NEGATIVE",
            Error::MissingValue { .. } => "E_MISSING_VALUE",
            Error::MissingColumn { .. } => "E_MISSING_COLUMN",
            Error::BadDate { .. } => "E_BAD_DATE",
            Error::BadType { .. } => "E_BAD_TYPE",
            Error::OutOfRange { .. } => "E_OUT_OF_RANGE",
            Error::Csv { .. } => "E_CSV",
            Error::Arrow { .. } => "E_ARROW",
            Error::UnknownOption { .. } => "E_UNKNOWN_OPTION",
            Error::BadOption { .. } => "E_BAD_OPTION",
            Error::TooLarge { .. } => "E_TOO_LARGE",
            Error::InsufficientData { .. } => "E_INSUFFICIENT_DATA",
            Error::NotConverged { .. } => "E_NOT_CONVERGED",
            Error::Undefined { .. } => "E_UNDEFINED",
            Error::Cancelled { .. } => "E_CANCELLED",
            Error::BadSpec { .. } => "E_BAD_SPEC",
            Error::UnknownMetric { .. } => "E_UNKNOWN_METRIC",
            Error::Version { .. } => "E_VERSION",
            Error::InSpec { inner, .. } => inner.code(),
        }
    }

    /// The column (or option) the error is about, when there is one.
    pub fn column(&self) -> Option<&str> {
        match self {
            Error::LengthMismatch { column, .. }
            | Error::NonFinite { column, .. }
            | Error::Negative { column, .. }
            | Error::MissingValue { column, .. }
            | Error::MissingColumn { column, .. }
            | Error::BadDate { column, .. }
            | Error::BadType { column, .. }
            | Error::OutOfRange { column, .. } => Some(column),
            Error::UnknownOption { option, .. } | Error::BadOption { option, .. } => Some(option),
            Error::InSpec { inner, .. } => inner.column(),
            _ => None,
        }
    }

    /// The spec path of an error about a metric spec (e.g. `metrics.ltv12.params.margin`).
    pub fn path(&self) -> Option<&str> {
        match self {
            Error::InSpec { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The 1-based (line, column) in a spec's JSON text, when known.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            Error::InSpec { line, col, .. } if *line > 0 => Some((*line, *col)),
            _ => None,
        }
    }

    /// This error placed at `path` of a metric spec (an error already placed keeps its path).
    pub fn at_spec_path(self, path: impl Into<String>) -> Error {
        match self {
            Error::InSpec { .. } => self,
            inner => Error::InSpec {
                path: path.into(),
                line: 0,
                col: 0,
                inner: Box::new(inner),
            },
        }
    }

    /// The 1-based row the error is about, when there is one.
    pub fn row(&self) -> Option<usize> {
        match self {
            Error::NonFinite { row, .. }
            | Error::Negative { row, .. }
            | Error::MissingValue { row, .. }
            | Error::BadType { row, .. }
            | Error::OutOfRange { row, .. }
            | Error::Csv { row, .. } => Some(*row),
            Error::BadDate { row, .. } if *row > 0 => Some(*row),
            Error::InSpec { inner, .. } => inner.row(),
            _ => None,
        }
    }

    /// Every code this crate can report, in a stable order (used by docs and tests).
    pub const CODES: &'static [&'static str] = &[
        "E_EMPTY",
        "E_LENGTH_MISMATCH",
        "E_NON_FINITE",
        "E_NEGATIVE",
        "E_MISSING_VALUE",
        "E_MISSING_COLUMN",
        "E_BAD_DATE",
        "E_BAD_TYPE",
        "E_OUT_OF_RANGE",
        "E_CSV",
        "E_UNKNOWN_OPTION",
        "E_BAD_OPTION",
        "E_TOO_LARGE",
        "E_INSUFFICIENT_DATA",
        "E_NOT_CONVERGED",
        "E_UNDEFINED",
        "E_CANCELLED",
        "E_ARROW",
        "E_BAD_SPEC",
        "E_UNKNOWN_METRIC",
        "E_VERSION",
    ];
}

/// The largest magnitude accepted for an input number: 1e150.
///
/// Amounts, summary columns and features are summed and squared (revenue, variances, k-means
/// distances, likelihoods); a value above 1e150 in absolute value can overflow those to
/// ±Infinity, which would be a wrong number returned without an error. Such values are
/// rejected with `E_OUT_OF_RANGE` where they enter instead.
pub const MAX_MAGNITUDE: f64 = 1e150;

/// Checks one input number: `E_NON_FINITE` for NaN or ±Infinity, `E_OUT_OF_RANGE` when its
/// magnitude is above [`MAX_MAGNITUDE`]; otherwise returns it.
///
/// ```
/// use unimetric::error::check_number;
/// assert_eq!(check_number(-12.5, "amount", 2), Ok(-12.5));
/// assert_eq!(check_number(f64::NAN, "amount", 2).unwrap_err().code(), "E_NON_FINITE");
/// assert_eq!(check_number(1e308, "amount", 2).unwrap_err().code(), "E_OUT_OF_RANGE");
/// ```
pub fn check_number(value: f64, column: &str, row: usize) -> Result<f64> {
    if !value.is_finite() {
        Err(Error::NonFinite {
            column: column.to_string(),
            row,
            value,
        })
    } else if value.abs() > MAX_MAGNITUDE {
        Err(Error::OutOfRange {
            column: column.to_string(),
            row,
            message: format!(
                "{value:e} is larger in magnitude than 1e150, beyond which sums and squares overflow"
            ),
        })
    } else {
        Ok(value)
    }
}

/// Checks a whole column with [`check_number`]: the error of its first bad value (1-based row),
/// else the values (borrowed values are copied; an owned vector is returned as it is).
///
/// ```
/// use unimetric::error::check_numbers;
/// assert_eq!(check_numbers(&[1.0, -2.5], "amount"), Ok(vec![1.0, -2.5]));
/// let e = check_numbers(&[1.0, 2.0, f64::INFINITY], "amount").unwrap_err();
/// assert_eq!((e.code(), e.row()), ("E_NON_FINITE", Some(3)));
/// ```
pub fn check_numbers<'a>(values: impl Into<Cow<'a, [f64]>>, column: &str) -> Result<Vec<f64>> {
    let values = values.into();
    check_table(&values, 1, |_| column.to_string())?;
    Ok(values.into_owned())
}

/// Checks a row-major table of numbers (`n_cols` values a row) with [`check_number`]: the
/// error of its first bad value, naming the column `column(j)` of its position `j` in the row
/// and its 1-based row. Values are tested in blocks, without a branch per value.
///
/// ```
/// use unimetric::error::check_table;
/// let name = |j: usize| ["x", "y"][j].to_string();
/// assert_eq!(check_table(&[1.0, 2.0, 3.0, 4.0], 2, name), Ok(()));
/// let e = check_table(&[1.0, 2.0, 3.0, f64::NAN], 2, name).unwrap_err();
/// assert_eq!((e.code(), e.column(), e.row()), ("E_NON_FINITE", Some("y"), Some(2)));
/// ```
pub fn check_table(values: &[f64], n_cols: usize, column: impl Fn(usize) -> String) -> Result<()> {
    let n_cols = n_cols.max(1);
    // NaN fails the comparison too.
    match first_failing(values, |v| v.abs() <= MAX_MAGNITUDE) {
        Some(i) => check_number(values[i], &column(i % n_cols), i / n_cols + 1).map(|_| ()),
        None => Ok(()),
    }
}

/// Index of the first value for which `ok` is false. Blocks of values are tested without a
/// branch per value (so the test vectorises), and only a block with a failure is searched.
pub(crate) fn first_failing<T: Copy>(values: &[T], ok: impl Fn(T) -> bool) -> Option<usize> {
    const BLOCK: usize = 64;
    for (b, block) in values.chunks(BLOCK).enumerate() {
        if !block.iter().fold(true, |all, &v| all & ok(v)) {
            return block.iter().position(|&v| !ok(v)).map(|i| b * BLOCK + i);
        }
    }
    None
}

/// Formats a list of names as `a, b, c` for error messages.
pub(crate) fn join_names<I, S>(names: I) -> String
where
    I: IntoIterator<Item = S>,
    S: fmt::Display,
{
    let mut out = String::new();
    for (i, n) in names.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&n.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first failing index, found by a plain scan, at every position of slices that end
    /// inside, at and after a block boundary, with a second failure after the first.
    #[test]
    fn first_failing_finds_the_first_bad_value_across_blocks() {
        for n in [0usize, 1, 63, 64, 65, 128, 200] {
            assert_eq!(first_failing(&vec![1.0; n], f64::is_finite), None);
            for p in 0..n {
                let mut v = vec![1.0; n];
                v[p] = f64::NAN;
                if p + 70 < n {
                    v[p + 70] = f64::INFINITY;
                }
                let expected = v.iter().position(|x| !x.is_finite());
                assert_eq!(first_failing(&v, f64::is_finite), expected);
                assert_eq!(expected, Some(p));
            }
        }
    }
}
