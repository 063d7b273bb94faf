//! Engine-wide signature ids, compared by `call_indirect` and import checks.

use crate::artifact::FuncType;
use crate::vm::VMSharedSignatureIndex;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Interns function types: equal types get equal ids, in every module.
#[derive(Default)]
pub(crate) struct SignatureRegistry {
    types: Vec<Arc<FuncType>>,
}

impl SignatureRegistry {
    pub(crate) fn register(&mut self, ty: &FuncType) -> VMSharedSignatureIndex {
        let index = match self.types.iter().position(|t| **t == *ty) {
            Some(i) => i,
            None => {
                self.types.push(Arc::new(ty.clone()));
                self.types.len() - 1
            }
        };
        VMSharedSignatureIndex(index as u32)
    }

    pub(crate) fn get(&self, id: VMSharedSignatureIndex) -> Option<&Arc<FuncType>> {
        self.types.get(id.0 as usize)
    }
}
