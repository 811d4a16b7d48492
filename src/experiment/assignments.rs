//! An experiment's assignments held as a table: one row per unit with its id, its arm and the
//! time it was assigned, read from CSV under a column mapping or built from columns. The metric
//! spec takes assignments in this form (`inputs.assignments`); [`AssignmentTable::view`] lends
//! them to [`experiment_on_transactions`](super::experiment_on_transactions).

use super::units::ArmColumn;
use super::Assignments;
use crate::data::csv_input::{field, CsvTable};
use crate::data::dates::DateFormat;
use crate::data::{time_value_in, IdColumn, Zone};
use crate::error::{Error, Result};
use serde::Deserialize;

/// Which CSV columns hold an assignment's fields; JS `AssignmentMapping` (the spec's
/// `data.assignments`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AssignmentMapping {
    /// Column with the unit id (matched with the transactions' customer ids).
    #[serde(deserialize_with = "crate::data::column_name")]
    pub unit_id: String,
    /// Column with the arm name.
    #[serde(deserialize_with = "crate::data::column_name")]
    pub arm: String,
    /// Column with the assignment time (ISO 8601 text or epoch ms).
    #[serde(deserialize_with = "crate::data::column_name")]
    pub assigned_at: String,
    /// IANA time zone in which times without an offset are read (default `"UTC"`).
    #[serde(default)]
    pub timezone: Zone,
}

impl AssignmentMapping {
    /// A mapping of the three columns, times without an offset in UTC.
    pub fn new(unit_id: &str, arm: &str, assigned_at: &str) -> Self {
        AssignmentMapping {
            unit_id: unit_id.into(),
            arm: arm.into(),
            assigned_at: assigned_at.into(),
            timezone: Zone::default(),
        }
    }
}

/// The arm of each unit, owned: codes into the arm names, or the names.
#[derive(Debug, Clone, PartialEq)]
pub enum ArmValues {
    /// Codes 0..k − 1 (JS `Uint8Array`).
    Codes8(Vec<u8>),
    /// Codes 0..k − 1 (JS `Uint32Array`).
    Codes32(Vec<u32>),
    /// Arm names.
    Text(Vec<String>),
}

impl ArmValues {
    /// Borrowed as the column `experimentFromUnits` reads.
    pub fn column(&self) -> ArmColumn<'_> {
        match self {
            ArmValues::Codes8(c) => ArmColumn::Codes8(c),
            ArmValues::Codes32(c) => ArmColumn::Codes32(c),
            ArmValues::Text(t) => ArmColumn::Text(t),
        }
    }
}

/// Unit ids, owned.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitIds {
    /// Numeric ids.
    Numeric(Vec<u32>),
    /// Text ids.
    Text(Vec<String>),
}

/// An experiment's assignments: one row per unit, every column of one length (checked when an
/// experiment reads them).
///
/// ```
/// use unimetric::experiment::{AssignmentMapping, AssignmentTable};
/// let csv = b"user,variant,at\nu1,control,2024-01-01\nu2,treatment,2024-01-01\n";
/// let a = AssignmentTable::from_csv(csv, &AssignmentMapping::new("user", "variant", "at")).unwrap();
/// assert_eq!(a.len(), 2);
/// assert_eq!(a.arm_counts(), (vec!["control".to_string(), "treatment".to_string()], vec![1.0, 1.0]));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentTable {
    /// Each unit's id.
    pub unit_id: UnitIds,
    /// Each unit's arm.
    pub arm: ArmValues,
    /// Names of the arms (required with codes; with names, fixes their order).
    pub arm_names: Option<Vec<String>>,
    /// Assignment time per unit (epoch ms).
    pub assigned_at: Vec<f64>,
}

impl AssignmentTable {
    /// Reads assignments from CSV bytes (the CSV rules of transactions: header row, delimiter
    /// sniffed, BOM stripped). Errors name the column and the 1-based row.
    pub fn from_csv(bytes: &[u8], mapping: &AssignmentMapping) -> Result<AssignmentTable> {
        let mut table = CsvTable::open(bytes)?;
        let ui = table.column(&mapping.unit_id, "unitId")?;
        let ai = table.column(&mapping.arm, "arm")?;
        let ti = table.column(&mapping.assigned_at, "assignedAt")?;
        let (mut ids, mut arms, mut at) = (Vec::new(), Vec::new(), Vec::new());
        table.for_each(|row, rec| {
            let text = |idx: usize, column: &str| -> Result<String> {
                match field(rec, idx, column, row)? {
                    crate::data::Cell::Text(s) => Ok(s.trim().to_string()),
                    _ => Err(Error::MissingValue {
                        column: column.into(),
                        row,
                    }),
                }
            };
            ids.push(text(ui, &mapping.unit_id)?);
            arms.push(text(ai, &mapping.arm)?);
            let t = time_value_in(
                field(rec, ti, &mapping.assigned_at, row)?,
                &mapping.assigned_at,
                row,
                &mapping.timezone,
                DateFormat::Iso,
            )?;
            at.push(t as f64);
            Ok(())
        })?;
        Ok(AssignmentTable {
            unit_id: UnitIds::Text(ids),
            arm: ArmValues::Text(arms),
            arm_names: None,
            assigned_at: at,
        })
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.assigned_at.len()
    }

    /// True when there are no units.
    pub fn is_empty(&self) -> bool {
        self.assigned_at.is_empty()
    }

    /// The assignments as `experiment_on_transactions` reads them.
    pub fn view(&self) -> Assignments<'_> {
        Assignments {
            unit_id: match &self.unit_id {
                UnitIds::Numeric(v) => IdColumn::Numeric(v),
                UnitIds::Text(v) => IdColumn::Text(v),
            },
            arm: self.arm.column(),
            arm_names: self.arm_names.as_deref(),
            assigned_at: &self.assigned_at,
        }
    }

    /// The name of row `i`'s arm (a code without a name is written as `#code`).
    fn arm_name(&self, i: usize) -> String {
        let code = |c: usize| {
            self.arm_names
                .as_ref()
                .and_then(|n| n.get(c).cloned())
                .unwrap_or_else(|| format!("#{c}"))
        };
        match &self.arm {
            ArmValues::Codes8(v) => v.get(i).map_or_else(String::new, |&c| code(c as usize)),
            ArmValues::Codes32(v) => v.get(i).map_or_else(String::new, |&c| code(c as usize)),
            ArmValues::Text(v) => v.get(i).cloned().unwrap_or_default(),
        }
    }

    /// Units per arm: the arms in the order of `arm_names` (then of first appearance) and the
    /// count of each.
    pub fn arm_counts(&self) -> (Vec<String>, Vec<f64>) {
        let mut names: Vec<String> = self.arm_names.clone().unwrap_or_default();
        let mut counts = vec![0.0; names.len()];
        for i in 0..self.len() {
            let a = self.arm_name(i);
            match names.iter().position(|n| *n == a) {
                Some(j) => counts[j] += 1.0,
                None => {
                    names.push(a);
                    counts.push(1.0);
                }
            }
        }
        (names, counts)
    }

    /// xxh3-128 of the rows in load order: each unit id as text, its arm's name and its
    /// assignment time (IEEE-754 bits); CSV, rows and columns of the same assignments agree.
    pub fn fingerprint(&self) -> String {
        let ids: Vec<String> = match &self.unit_id {
            UnitIds::Numeric(v) => v.iter().map(u32::to_string).collect(),
            UnitIds::Text(v) => v.clone(),
        };
        let arms: Vec<String> = (0..self.len()).map(|i| self.arm_name(i)).collect();
        crate::data::fingerprint::hex(crate::data::fingerprint::assignments(
            &ids,
            &arms,
            &self.assigned_at,
        ))
    }
}
