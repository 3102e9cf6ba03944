//! Text preparation: Unicode normalisation, case and accent folding, tokens and character n-grams.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Folds `text` to lower case without accents: NFKD, combining marks dropped, then lower case.
///
/// "Ühekordne SISSELOGIMINE" becomes "uhekordne sisselogimine" and "ﬁ" becomes "fi", so a request
/// typed without accents on an English keyboard matches one typed with them.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for character in text.nfkd() {
        if is_combining_mark(character) {
            continue;
        }
        for lower in character.to_lowercase() {
            folded.push(lower);
        }
    }
    folded
}

/// The words of folded text: maximal runs of letters and digits.
///
/// Apostrophes and hyphens split words ("l'authentification" gives "l" and "authentification",
/// "sign-on" gives "sign" and "on"), so elided articles and hyphenated spellings fall apart the
/// same way in every language.
pub fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|character: char| !character.is_alphanumeric())
        .filter(|word| !word.is_empty())
}

/// Hashes of the character trigrams of `words`, each word padded with a space on both sides,
/// sorted and without duplicates.
pub fn trigrams<'a>(words: impl Iterator<Item = &'a str>) -> Vec<u32> {
    let mut grams = Vec::new();
    let mut window = [' '; 3];
    for word in words {
        window[1] = ' ';
        window[2] = ' ';
        for character in word.chars().chain([' ']) {
            window.rotate_left(1);
            window[2] = character;
            if window[1] != ' ' || window[0] != ' ' {
                grams.push(hash_gram(&window));
            }
        }
    }
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// FNV-1a over the three characters: stable across runs and platforms.
fn hash_gram(gram: &[char; 3]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for character in gram {
        for byte in (*character as u32).to_le_bytes() {
            hash ^= u32::from(byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    }
    hash
}

/// Cosine of two sorted sets: shared / sqrt(|a| |b|), 0 when either is empty.
pub fn set_cosine(left: &[u32], right: &[u32]) -> f64 {
    if left.is_empty() || right.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < left.len() && j < right.len() {
        match left[i].cmp(&right[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared as f64 / ((left.len() * right.len()) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_and_accents() {
        assert_eq!(fold("Ühekordne SISSELOGIMINE"), "uhekordne sisselogimine");
        assert_eq!(
            fold("Authentification unique, à déployer"),
            "authentification unique, a deployer"
        );
        assert_eq!(fold("ﬁche"), "fiche");
    }

    #[test]
    fn words_split_on_apostrophes_and_hyphens() {
        let folded = fold("L'authentification single-sign on (SAML 2.0)!");
        let found: Vec<&str> = words(&folded).collect();
        assert_eq!(
            found,
            [
                "l",
                "authentification",
                "single",
                "sign",
                "on",
                "saml",
                "2",
                "0"
            ]
        );
    }

    #[test]
    fn trigram_cosine_is_one_for_equal_text_and_lower_for_typos() {
        let a = trigrams(words("single sign on"));
        let b = trigrams(words("singel sign on"));
        assert_eq!(set_cosine(&a, &a), 1.0);
        let typo = set_cosine(&a, &b);
        assert!(typo > 0.5 && typo < 1.0, "{typo}");
        assert_eq!(set_cosine(&a, &[]), 0.0);
    }
}
