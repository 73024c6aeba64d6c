//! Formula data sets: `formula:x1*x2 > 0` classifies the plane by a rule,
//! `formula:reg sin(x1)*cos(x2)` gives each point a value.
//!
//! The expression language is [Rhai](https://rhai.rs)'s, compiled as one
//! expression (no statements, loops, assignments, functions or modules): the
//! variables `x1` and `x2`, numbers, `+ - * / % **`, comparisons, `&& || !`, and
//! Rhai's maths functions (`sin`, `cos`, `exp`, `ln`, `sqrt`, `abs`, `PI()`, ...).
//! Points are drawn uniformly from the Playground's square `[-6, 6]²`. Noise moves
//! the point at which the formula is *evaluated* by `U(-6, 6) * noise` per
//! coordinate and keeps the point where it was drawn (as [`crate::reg_gauss`]
//! does), so noise blurs the boundary or the values, not the positions. A
//! classification's `true` is class `"1"` (the Playground's blue), `false` class
//! `"0"`.

use rhai::{AST, Dynamic, Engine, EvalAltResult, ParseError, Position, Scope};

use crate::generators::Problem;
use crate::random::{seeded_rng, shuffle, uniform};
use crate::{DataError, Dataset, Inputs, Targets};

/// What starts a formula data set's spec: `formula:x1*x2 > 0`.
pub const FORMULA_PREFIX: &str = "formula:";

/// What starts a regression formula after [`FORMULA_PREFIX`]: `formula:reg sin(x1)`.
const REGRESSION_PREFIX: &str = "reg ";

/// Half the side of the square points are drawn from (the Playground's `[-6, 6]`).
pub const FORMULA_RANGE: f64 = 6.0;

/// Characters of a formula quoted in an error (the position says where the fault is).
const QUOTED_CHARS: usize = 80;

/// Operations one evaluation may take: far more than any formula of a line needs.
const MAX_OPERATIONS: u64 = 100_000;

/// True if `spec` names a formula data set (starts with [`FORMULA_PREFIX`]).
pub fn is_formula(spec: &str) -> bool {
    spec.starts_with(FORMULA_PREFIX)
}

/// A formula, compiled and checked at one point, ready to label points.
pub struct Formula {
    /// The expression as written (without the prefix and `reg `).
    expression: String,
    problem: Problem,
    engine: Engine,
    ast: AST,
}

impl std::fmt::Debug for Formula {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Formula")
            .field("expression", &self.expression)
            .field("problem", &self.problem)
            .finish_non_exhaustive()
    }
}

impl Formula {
    /// Parses a spec: `formula:` (optional), then `reg ` for a regression, then the
    /// expression. Unknown variables and functions, and a result of the wrong kind,
    /// are found here by evaluating it once at `(1, 1)`.
    ///
    /// # Errors
    /// [`DataError::Formula`]: the position (1-based character in the expression)
    /// and what was expected there.
    pub fn parse(spec: &str) -> Result<Self, DataError> {
        let text = spec.strip_prefix(FORMULA_PREFIX).unwrap_or(spec);
        let (problem, expression) = match text.strip_prefix(REGRESSION_PREFIX) {
            Some(rest) => (Problem::Regression, rest),
            None => (Problem::Classification, text),
        };
        let mut engine = Engine::new();
        engine.set_max_operations(MAX_OPERATIONS);
        engine.set_max_expr_depths(64);
        engine.set_max_string_size(64);
        let error = |position: Option<usize>, expected: String| DataError::Formula {
            formula: crate::quote::excerpt_of(text, QUOTED_CHARS),
            position,
            expected,
        };
        if expression.trim().is_empty() {
            return Err(error(
                None,
                "expected an expression of x1 and x2 after `formula:`, such as `x1*x2 > 0`".into(),
            ));
        }
        let ast = engine
            .compile_expression(expression)
            .map_err(|e| error(e.position().position(), parse_problem(&e)))?;
        let formula = Self {
            expression: expression.to_owned(),
            problem,
            engine,
            ast,
        };
        formula.evaluate(1.0, 1.0)?;
        Ok(formula)
    }

    /// Whether it makes classes or values.
    pub fn problem(&self) -> Problem {
        self.problem
    }

    /// The formula at `(x1, x2)`: `1.0` or `0.0` for a classification's `true` or
    /// `false`, the value for a regression.
    ///
    /// # Errors
    /// [`DataError::Formula`] for a result of the wrong kind, a non-finite value or
    /// a failure while evaluating (an integer division by zero, ...).
    pub fn evaluate(&self, x1: f64, x2: f64) -> Result<f64, DataError> {
        let error = |position: Option<usize>, expected: String| DataError::Formula {
            formula: crate::quote::excerpt_of(&self.spec_text(), QUOTED_CHARS),
            position: position.map(|p| p + self.offset()),
            expected,
        };
        let mut scope = Scope::new();
        scope.push_constant("x1", x1);
        scope.push_constant("x2", x2);
        let value: Dynamic = self
            .engine
            .eval_ast_with_scope(&mut scope, &self.ast)
            .map_err(|e| {
                let (position, problem) = eval_problem(*e);
                error(position, problem)
            })?;
        match self.problem {
            Problem::Classification => value.as_bool().map(f64::from).map_err(|found| {
                error(
                    None,
                    format!(
                        "expected true or false (a rule such as `x1*x2 > 0`), found {}: \
                         for values write `formula:reg {}`",
                        found_kind(found),
                        crate::quote::excerpt_of(&self.expression, QUOTED_CHARS)
                    ),
                )
            }),
            Problem::Regression => {
                let number = value
                    .as_float()
                    .or_else(|_| value.as_int().map(|i| i as f64))
                    .map_err(|found| {
                        error(
                            None,
                            format!(
                                "expected a number, found {}: for classes leave out `reg `",
                                found_kind(found)
                            ),
                        )
                    })?;
                if number.is_finite() {
                    Ok(number)
                } else {
                    Err(error(
                        None,
                        format!(
                            "is {number} at x1 = {x1}, x2 = {x2}: expected a finite number \
                             everywhere in [-6, 6]²"
                        ),
                    ))
                }
            }
        }
    }

    /// The text after `formula:`, as the user wrote it.
    fn spec_text(&self) -> String {
        match self.problem {
            Problem::Classification => self.expression.clone(),
            Problem::Regression => format!("{REGRESSION_PREFIX}{}", self.expression),
        }
    }

    /// Characters before the expression in [`Self::spec_text`].
    fn offset(&self) -> usize {
        match self.problem {
            Problem::Classification => 0,
            Problem::Regression => REGRESSION_PREFIX.len(),
        }
    }
}

/// `"a number"`, `"a string"`: what a formula gave instead of what was expected.
fn found_kind(type_name: &str) -> String {
    match type_name {
        "bool" => "true/false".into(),
        "f64" | "i64" => "a number".into(),
        "string" | "char" => "text".into(),
        "()" => "nothing".into(),
        other => format!("a value of type {other}"),
    }
}

/// What a parse error expected, in words.
fn parse_problem(error: &ParseError) -> String {
    use rhai::ParseErrorType as P;
    match error.err_type() {
        P::UnexpectedEOF => {
            "expected more after the end (an operand or a closing parenthesis)".into()
        }
        P::BadInput(rhai::LexError::UnexpectedInput(found)) => {
            let hint = match found.as_str() {
                "=" => ": compare with `==`",
                "^" => ": powers are `**`",
                _ => "",
            };
            format!("unexpected `{found}`: expected an expression of x1 and x2{hint}")
        }
        other => {
            let said = other.to_string();
            if said.starts_with("Expecting") {
                said.replacen("Expecting", "expected", 1)
            } else {
                format!("{said}: expected an expression of x1 and x2")
            }
        }
    }
}

/// Where an evaluation failed (character in the expression) and what was expected.
fn eval_problem(error: EvalAltResult) -> (Option<usize>, String) {
    let position = |p: Position| p.position();
    match error {
        EvalAltResult::ErrorVariableNotFound(name, at) => (
            position(at),
            format!("unknown variable `{name}`: expected x1 or x2"),
        ),
        EvalAltResult::ErrorFunctionNotFound(signature, at) => {
            let name = signature
                .split([' ', '('])
                .next()
                .unwrap_or_default()
                .to_owned();
            let problem = if name == "^" {
                "`^` is not a power: expected `**` (x1**2)".to_owned()
            } else if signature.contains('(') && !name.chars().all(char::is_alphanumeric) {
                format!("operator `{name}` does not apply here ({signature})")
            } else {
                format!(
                    "unknown function `{signature}`: expected one of sin, cos, tan, asin, acos, \
                     atan, sinh, cosh, tanh, exp, ln, log, sqrt, abs, sign, floor, ceiling, \
                     round, min, max, PI, E"
                )
            };
            (position(at), problem)
        }
        mut other => {
            let at = other.take_position();
            (position(at), format!("{other}"))
        }
    }
}

/// `samples` points of a formula (see the module's docs), shuffled by `seed`.
///
/// # Errors
/// [`DataError::Formula`] for a formula that does not parse or evaluate, and a
/// classification whose rule gives one class at every point drawn.
pub fn formula(spec: &str, samples: usize, noise: f32, seed: u64) -> Result<Dataset, DataError> {
    let formula = Formula::parse(spec)?;
    let mut rng = seeded_rng(seed);
    let noise = f64::from(noise);
    let mut rows = Vec::with_capacity(samples);
    for _ in 0..samples {
        let x1 = uniform(&mut rng, -FORMULA_RANGE, FORMULA_RANGE) as f32;
        let x2 = uniform(&mut rng, -FORMULA_RANGE, FORMULA_RANGE) as f32;
        let n1 = uniform(&mut rng, -FORMULA_RANGE, FORMULA_RANGE) * noise;
        let n2 = uniform(&mut rng, -FORMULA_RANGE, FORMULA_RANGE) * noise;
        let value = formula.evaluate(f64::from(x1) + n1, f64::from(x2) + n2)?;
        rows.push(([x1, x2], value));
    }
    shuffle(&mut rows, &mut rng);
    let name = format!("{FORMULA_PREFIX}{}", formula.spec_text());
    let inputs = Inputs::F32(rows.iter().flat_map(|&(p, _)| p).collect());
    let features = vec!["x1".to_owned(), "x2".to_owned()];
    let dataset = match formula.problem {
        Problem::Classification => {
            let ones = rows.iter().filter(|&&(_, v)| v > 0.5).count();
            if samples >= 2 && (ones == 0 || ones == samples) {
                return Err(DataError::Formula {
                    formula: crate::quote::excerpt_of(&formula.spec_text(), QUOTED_CHARS),
                    position: None,
                    expected: format!(
                        "is {} at all {samples} points drawn: expected a rule true in part of \
                         [-6, 6]² and false in the rest",
                        ones == samples
                    ),
                });
            }
            let labels = rows.iter().map(|&(_, v)| u32::from(v > 0.5)).collect();
            Dataset::new(
                name,
                inputs,
                Targets::Classes(labels),
                features,
                vec!["label".into()],
                vec!["0".into(), "1".into()],
            )
        }
        Problem::Regression => Dataset::new(
            name,
            inputs,
            Targets::Values(rows.iter().map(|&(_, v)| v as f32).collect()),
            features,
            vec!["y".into()],
            Vec::new(),
        ),
    };
    Ok(dataset.expect("formulas build consistent datasets"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(spec: &str) -> String {
        formula(spec, 50, 0.0, 1).unwrap_err().to_string()
    }

    #[test]
    fn a_rule_labels_every_point_by_its_value() {
        let d = formula("formula:x1*x2 > 0", 400, 0.0, 3).unwrap();
        assert_eq!(d.name(), "formula:x1*x2 > 0");
        let (Inputs::F32(x), Targets::Classes(c)) = (d.inputs(), d.targets()) else {
            panic!()
        };
        for (p, &c) in x.chunks_exact(2).zip(c) {
            assert!(p.iter().all(|v| (-6.0..6.0).contains(v)));
            assert_eq!(p[0] * p[1] > 0.0, c == 1, "{p:?}");
        }
        let counts = d.class_counts();
        assert!(counts[0] > 150 && counts[1] > 150, "{counts:?}");
    }

    #[test]
    fn the_issues_rules_and_a_regression() {
        let d = formula("formula:sin(x1) > x2/3", 300, 0.0, 3).unwrap();
        let (Inputs::F32(x), Targets::Classes(c)) = (d.inputs(), d.targets()) else {
            panic!()
        };
        for (p, &c) in x.chunks_exact(2).zip(c) {
            assert_eq!(f64::from(p[0]).sin() > f64::from(p[1]) / 3.0, c == 1);
        }
        let d = formula("formula:reg sin(x1)*cos(x2)", 300, 0.0, 3).unwrap();
        assert_eq!(d.name(), "formula:reg sin(x1)*cos(x2)");
        let (Inputs::F32(x), Targets::Values(y)) = (d.inputs(), d.targets()) else {
            panic!()
        };
        for (p, &y) in x.chunks_exact(2).zip(y) {
            let expected = f64::from(p[0]).sin() * f64::from(p[1]).cos();
            assert!((f64::from(y) - expected).abs() < 1e-6);
        }
        // Integers and floats mix; an integer result is a value too.
        let d = formula("reg 2", 10, 0.0, 3).unwrap();
        let Targets::Values(y) = d.targets() else {
            panic!()
        };
        assert!(y.iter().all(|&v| v == 2.0));
    }

    #[test]
    fn seeded_and_noise_blurs_labels_not_points() {
        let a = formula("x1 > x2", 100, 0.3, 9).unwrap();
        assert_eq!(a, formula("x1 > x2", 100, 0.3, 9).unwrap());
        assert_ne!(a, formula("x1 > x2", 100, 0.3, 10).unwrap());
        let clean = formula("x1 > x2", 100, 0.0, 9).unwrap();
        assert_eq!(a.inputs(), clean.inputs());
        assert_ne!(a.targets(), clean.targets());
    }

    #[test]
    fn a_bad_formula_says_where_and_what_was_expected() {
        assert_eq!(
            error_of("formula:x1*x2 >"),
            "formula `x1*x2 >`: at character 8: expected more after the end (an operand or a \
             closing parenthesis)"
        );
        assert_eq!(
            error_of("formula:sin(x1"),
            "formula `sin(x1`: at character 7: expected ')' to close the arguments list of \
             this function call 'sin'"
        );
        assert_eq!(
            error_of("formula:x3 > 1"),
            "formula `x3 > 1`: at character 1: unknown variable `x3`: expected x1 or x2"
        );
        assert_eq!(
            error_of("formula:reg x1 + y"),
            "formula `reg x1 + y`: at character 10: unknown variable `y`: expected x1 or x2"
        );
        assert!(error_of("formula:x1 = 1").contains("at character 4: unexpected `=`"));
        assert!(error_of("formula:x1^2 > 1").contains("`**`"));
        assert!(error_of("formula:foo(x1) > 1").contains("unknown function `foo (f64)`"));
        assert!(error_of("formula:x1 + x2").contains("expected true or false"));
        assert!(error_of("formula:reg x1 > 0").contains("expected a number, found true/false"));
        assert!(error_of("formula:reg ln(x1)").contains("expected a finite number"));
        assert!(error_of("formula:x1 > 100").contains("is false at all 50 points"));
        assert!(error_of("formula:").contains("expected an expression"));
        assert!(error_of("formula:let a = 1").contains("unexpected `let`"));
        for spec in ["x1*x2 >", "sin(x1", "x3 > 1", "x1 > 100", "((((", "\"a\"\n"] {
            let message = error_of(spec);
            assert!(!message.contains('\n'), "{message}");
        }
    }
}
