//! Enums whose variants are metric label values (a state set's states): [`label_enum!`]
//! gives each its `as_str` (the label value), `ALL` / `LABELS` (every variant and its
//! label, in the state set's order), `Display`, `FromStr` (for label values read back from
//! Prometheus) and `Serialize` (as the label value).

#[doc(hidden)]
pub use serde as __serde;

/// A label value that names no variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown label value {0:?}")]
pub struct UnknownLabel(pub String);

/// A name given on a command line or in a file (a role, scenario, fault …) that is none of
/// the accepted ones; the message lists them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{given}' (expected one of: {})", .expected.join(", "))]
pub struct UnknownName {
    /// What was named: `role`, `scenario` …
    pub what: &'static str,
    pub given: String,
    /// Every accepted name, in their usual order.
    pub expected: Vec<&'static str>,
}

impl UnknownName {
    pub fn new(
        what: &'static str,
        given: &str,
        expected: impl IntoIterator<Item = &'static str>,
    ) -> Self {
        Self {
            what,
            given: given.to_owned(),
            expected: expected.into_iter().collect(),
        }
    }
}

/// Declares a label enum: `label_enum! { pub enum State { Ready => "ready", … } }`.
#[macro_export]
macro_rules! label_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident => $label:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every variant, in the state set's order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// Every variant's label value, in the state set's order.
            pub const LABELS: &'static [&'static str] = &[$($label),+];

            /// The label value.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $label),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::label::UnknownLabel;

            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                match s {
                    $($label => Ok(Self::$variant),)+
                    _ => Err($crate::label::UnknownLabel(s.to_owned())),
                }
            }
        }

        impl $crate::label::__serde::Serialize for $name {
            fn serialize<S: $crate::label::__serde::Serializer>(
                &self,
                s: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    crate::label_enum! {
        /// A test state.
        enum Light {
            Green => "green",
            Red => "red",
        }
    }

    #[test]
    fn a_label_enum_round_trips_its_label_values_in_order() {
        assert_eq!(Light::LABELS, ["green", "red"]);
        assert_eq!(
            Light::ALL.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
            Light::LABELS
        );
        assert_eq!("red".parse(), Ok(Light::Red));
        assert!("blue".parse::<Light>().is_err());
        assert_eq!(Light::Green.to_string(), "green");
        let e = super::UnknownName::new("light", "blue", Light::LABELS.iter().copied());
        assert_eq!(
            e.to_string(),
            "unknown light 'blue' (expected one of: green, red)"
        );
        assert_eq!(
            serde_json::to_string(&Light::Red).ok().as_deref(),
            Some("\"red\"")
        );
    }
}
