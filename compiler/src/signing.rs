//! Signing keys and their files, and signing artifacts (the format is in
//! `basalt::artifact::signature`).
//!
//! Key files are raw bytes, nothing else: `NAME.key` holds the 32-byte
//! Ed25519 secret seed (created with mode 0600, never overwritten) and
//! `NAME.pub` the 32-byte public key, so firmware can embed a trusted key
//! with `include_bytes!("NAME.pub")` and `PublicKey::from_bytes`.

use basalt::artifact::{self, ArtifactError, PublicKey, PUBLIC_KEY_SIZE};
use ed25519_dalek::Signer;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// An Ed25519 secret key that signs artifacts.
#[derive(Clone)]
pub struct SigningKey(ed25519_dalek::SigningKey);

/// Shows the public half only.
impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(public {:02x?})", self.public_bytes())
    }
}

impl SigningKey {
    /// The key of a 32-byte secret seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(Self::from_seed(&seed))
    }

    /// The public key's 32 bytes.
    pub fn public_bytes(&self) -> [u8; PUBLIC_KEY_SIZE] {
        self.0.verifying_key().to_bytes()
    }

    /// The public key, as an engine trusts it.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_bytes(&self.public_bytes()).expect("a signing key's public half is valid")
    }

    /// Sign an artifact (replacing any signature it has).
    pub fn sign(&self, artifact: &[u8]) -> Result<Vec<u8>, ArtifactError> {
        artifact::sign(artifact, &self.public_bytes(), |message| {
            self.0.sign(message).to_bytes()
        })
    }
}

/// Why a key could not be made, read or written.
#[derive(Debug)]
pub enum KeyError {
    /// A file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        message: String,
    },
    /// A key file of the wrong size or content.
    BadFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// `keygen` would overwrite an existing key file.
    Exists(PathBuf),
    /// The OS random source failed.
    Random(String),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Io { path, message } => write!(f, "{}: {message}", path.display()),
            KeyError::BadFile { path, why } => write!(f, "{}: {why}", path.display()),
            KeyError::Exists(path) => write!(
                f,
                "{} already exists (remove it first to make a new key)",
                path.display()
            ),
            KeyError::Random(e) => write!(f, "no randomness for a new key: {e}"),
        }
    }
}

impl std::error::Error for KeyError {}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> KeyError + '_ {
    move |e| KeyError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// A key file's 32 bytes.
fn read_32(path: &Path, what: &str) -> Result<[u8; 32], KeyError> {
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    bytes.as_slice().try_into().map_err(|_| KeyError::BadFile {
        path: path.to_path_buf(),
        why: format!(
            "not a {what} file: expected 32 raw bytes, found {}",
            bytes.len()
        ),
    })
}

/// Read a `.key` file.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, KeyError> {
    Ok(SigningKey::from_seed(&read_32(path, "Basalt secret key")?))
}

/// Read a `.pub` file.
pub fn read_public_key(path: &Path) -> Result<PublicKey, KeyError> {
    PublicKey::from_bytes(&read_32(path, "Basalt public key")?).map_err(|e| KeyError::BadFile {
        path: path.to_path_buf(),
        why: e.to_string(),
    })
}

/// `basalt keygen NAME`: a new key pair in `NAME.key` (the secret seed,
/// mode 0600) and `NAME.pub`; refuses to overwrite either. Returns both paths.
pub fn keygen(name: &Path) -> Result<(PathBuf, PathBuf), KeyError> {
    let with = |ext: &str| {
        let mut p = name.as_os_str().to_owned();
        p.push(ext);
        PathBuf::from(p)
    };
    let (secret, public) = (with(".key"), with(".pub"));
    for p in [&secret, &public] {
        if p.exists() {
            return Err(KeyError::Exists(p.clone()));
        }
    }
    let key = SigningKey::generate()?;
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let mut file = open.open(&secret).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => KeyError::Exists(secret.clone()),
        _ => io_error(&secret)(e),
    })?;
    file.write_all(key.0.as_bytes())
        .map_err(io_error(&secret))?;
    std::fs::write(&public, key.public_bytes()).map_err(io_error(&public))?;
    Ok((secret, public))
}
