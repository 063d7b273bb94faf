;; The bench's `interp` kernel (bench/kernels/src/integer.rs) as rustc
;; builds it for wasm32 (wasm2wat of the kernels module, this function
;; only): a bytecode interpreter whose handlers check register and stack
;; indices against constants and call Rust's panics when they fail. The
;; panics are stubs: compiler/tests/code_shape.rs looks at the code only.
(module
  (type (;0;) (func (param i32 i32 i32 i32 i32 i32)))
  (type (;1;) (func (param i32) (result i64)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (func $_RNvNtCsgXGp5Oqx2Ny_4core9panicking18panic_bounds_check (param i32 i32 i32) unreachable)
  (func $_RNvNtNtCsgXGp5Oqx2Ny_4core9panicking11panic_const23panic_const_rem_by_zero (param i32) unreachable)
  (func $_ZN4core9panicking13assert_failed17h999facb072fef919E (type 0) unreachable)
  (func $interp (export "interp") (type 1) (param i32) (result i64)
    (local i32 i32 i32 i32 i32 i32 i32 i32 i32 i32)
    global.get $__stack_pointer
    i32.const 96
    i32.sub
    local.tee 1
    global.set $__stack_pointer
    local.get 1
    i32.const 32
    i32.store offset=36
    local.get 1
    i32.const 1050936
    i32.store offset=32
    local.get 1
    i32.const 32
    i32.add
    local.set 2
    local.get 1
    i32.load offset=36
    local.set 3
    local.get 1
    i32.load offset=32
    local.set 4
    i32.const 0
    local.set 2
    local.get 1
    i32.const 0
    i32.store offset=28
    local.get 1
    i64.const 0
    i64.store offset=20 align=4
    local.get 1
    local.get 0
    i32.store offset=16
    local.get 1
    i64.const 0
    i64.store offset=88
    local.get 1
    i64.const 0
    i64.store offset=80
    local.get 1
    i64.const 0
    i64.store offset=72
    local.get 1
    i64.const 0
    i64.store offset=64
    local.get 1
    i64.const 0
    i64.store offset=56
    local.get 1
    i64.const 0
    i64.store offset=48
    local.get 1
    i64.const 0
    i64.store offset=40
    local.get 1
    i64.const 0
    i64.store offset=32
    block  ;; label = @1
      local.get 3
      i32.eqz
      br_if 0 (;@1;)
      i32.const 0
      local.set 5
      i32.const 0
      local.set 2
      loop  ;; label = @2
        local.get 2
        i32.const 1
        i32.add
        local.set 6
        local.get 4
        local.get 2
        i32.const 3
        i32.shl
        i32.add
        local.tee 7
        i32.load16_u offset=2
        local.set 2
        local.get 7
        i32.load8_u offset=1
        local.set 8
        block  ;; label = @3
          block  ;; label = @4
            block  ;; label = @5
              block  ;; label = @6
                block  ;; label = @7
                  block  ;; label = @8
                    block  ;; label = @9
                      block  ;; label = @10
                        block  ;; label = @11
                          block  ;; label = @12
                            block  ;; label = @13
                              block  ;; label = @14
                                block  ;; label = @15
                                  block  ;; label = @16
                                    local.get 7
                                    i32.load8_u
                                    local.tee 9
                                    br_table 0 (;@16;) 1 (;@15;) 2 (;@14;) 3 (;@13;) 3 (;@13;) 3 (;@13;) 3 (;@13;) 3 (;@13;) 4 (;@12;) 13 (;@3;) 5 (;@11;) 0 (;@16;)
                                  end
                                  local.get 5
                                  i32.const 16
                                  i32.lt_u
                                  br_if 9 (;@6;)
                                  local.get 5
                                  i32.const 16
                                  i32.const 1050404
                                  call $_RNvNtCsgXGp5Oqx2Ny_4core9panicking18panic_bounds_check
                                  unreachable
                                end
                                block  ;; label = @15
                                  local.get 8
                                  i32.const 4
                                  i32.lt_u
                                  br_if 0 (;@15;)
                                  local.get 8
                                  i32.const 4
                                  i32.const 1050420
                                  call $_RNvNtCsgXGp5Oqx2Ny_4core9panicking18panic_bounds_check
                                  unreachable
                                end
                                local.get 5
                                i32.const 16
                                i32.lt_u
                                br_if 7 (;@7;)
                                local.get 5
                                i32.const 16
                                i32.const 1050436
                                call $_RNvNtCsgXGp5Oqx2Ny_4core9panicking18panic_bounds_check
                                unreachable
                              end
                              block  ;; label = @14
                                local.get 5
                                i32.const -1
                                i32.add
                                local.tee 5
                                i32.const 16
                                i32.lt_u
                                br_if 0 (;@14;)
                                local.get 5
                                i32.const 16
                                i32.const 1050452
                                call $_RNvNtCsgXGp5Oqx2Ny_4core9panicking18panic_bounds_check
                                unreachable
                              end
                              local.get 8
                              i32.const 4
                              i32.lt_u
                              br_if 5 (;@8;)
                              local.get 8
                              i32.const 4
                              i32.const 1050468
                              call $_RNvNtCsgXGp5Oqx2Ny_4core9panicking18panic_bounds_check
                              unreachable
                            end
                            block  ;; label = @13
                              local.get 5
                              i32.const -1
                              i32.add
                              local.tee 7
                              i32.const 16
                              i32.lt_u
                              br_if 0 (;@13;)
                              local.get 7
                              i32.const 16
                              i32.const 1050484
                              call $_RNvNtCsgXGp5Oqx2Ny_4core9panicking18panic_bounds_check
                              unreachable
                            end
                            local.get 5
                            i32.const -2
                            i32.add
                            local.tee 5
                            i32.const 16
                            i32.lt_u
                            br_if 3 (;@9;)
                            i32.const -1
                            i32.const 16
                            i32.const 1050500
                            call $_RNvNtCsgXGp5Oqx2Ny_4core9panicking18panic_bounds_check
                            unreachable
                          end
                          local.get 5
                          i32.const -1
                          i32.add
                          local.tee 5
                          i32.const 16
                          i32.lt_u
                          br_if 1 (;@10;)
                          local.get 5
                          i32.const 16
                          i32.const 1050532
                          call $_RNvNtCsgXGp5Oqx2Ny_4core9panicking18panic_bounds_check
                          unreachable
                        end
                        block  ;; label = @11
                          block  ;; label = @12
                            local.get 5
                            i32.const -1
                            i32.add
                            local.tee 2
                            i32.const 16
                            i32.ge_u
                            br_if 0 (;@12;)
                            local.get 1
                            local.get 1
                            i32.const 32
                            i32.add
                            local.get 2
                            i32.const 2
                            i32.shl
                            i32.add
                            i32.load
                            local.tee 9
                            i32.store offset=12
                            block  ;; label = @13
                              local.get 0
                              i32.const 1
                              i32.ge_s
                              br_if 0 (;@13;)
                              i32.const 0
                              local.set 5
                              br 2 (;@11;)
                            end
                            i32.const 0
                            local.set 7
                            i32.const 0
                            local.set 5
                            i32.const 0
                            local.set 2
                            loop  ;; label = @13
                              local.get 2
                              i32.const 5
                              i32.div_u
                              local.set 6
                              block  ;; label = @14
                                block  ;; label = @15
                                  local.get 7
                                  local.get 2
                                  i32.const 3
                                  i32.div_u
                                  i32.const 3
                                  i32.mul
                                  i32.add
                                  br_if 0 (;@15;)
                                  local.get 2
                                  i32.const 7
                                  i32.mul
                                  local.get 5
                                  i32.add
                                  local.set 5
                                  br 1 (;@14;)
                                end
                                local.get 5
                                local.get 7
                                local.get 6
                                i32.const 5
                                i32.mul
                                i32.add
                                i32.add
                                local.set 5
                              end
                              local.get 2
                              i32.const 1
                              i32.add
                              local.set 2
                              local.get 7
                              i32.const -1
                              i32.add
                              local.set 7
                              local.get 0
                              i32.const -1
                              i32.add
                              local.tee 0
                              i32.eqz
                              br_if 2 (;@11;)
                              br 0 (;@13;)
                            end
                          end
                          local.get 2
                          i32.const 16
                          i32.const 1050548
                          call $_RNvNtCsgXGp5Oqx2Ny_4core9panicking18panic_bounds_check
                          unreachable
                        end
                        local.get 1
                        local.get 5
                        i32.store offset=32
                        block  ;; label = @11
                          local.get 9
                          local.get 5
                          i32.eq
                          br_if 0 (;@11;)
                          i32.const 0
                          local.get 1
                          i32.const 12
                          i32.add
                          local.get 1
                          i32.const 32
                          i32.add
                          i32.const 1051192
                          i32.const 35
                          i32.const 1051212
                          call $_ZN4core9panicking13assert_failed17h999facb072fef919E
                          unreachable
                        end
                        local.get 1
                        i32.const 96
                        i32.add
                        global.set $__stack_pointer
                        local.get 9
                        i64.extend_i32_u
                        return
                      end
                      local.get 6
                      local.get 2
                      local.get 1
                      i32.const 32
                      i32.add
                      local.get 5
                      i32.const 2
                      i32.shl
                      i32.add
                      i32.load
                      select
                      local.set 2
                      br 6 (;@3;)
                    end
                    local.get 1
                    i32.const 32
                    i32.add
                    local.get 7
                    i32.const 2
                    i32.shl
                    i32.add
                    i32.load
                    local.set 2
                    local.get 1
                    i32.const 32
                    i32.add
                    local.get 5
                    i32.const 2
                    i32.shl
                    i32.add
                    local.tee 8
                    i32.load
                    local.set 10
                    block  ;; label = @9
                      block  ;; label = @10
                        block  ;; label = @11
                          block  ;; label = @12
                            block  ;; label = @13
                              block  ;; label = @14
                                local.get 9
                                i32.const -3
                                i32.add
                                br_table 1 (;@13;) 2 (;@12;) 3 (;@11;) 4 (;@10;) 0 (;@14;)
                              end
                              local.get 10
                              local.get 2
                              i32.lt_s
                              local.set 5
                              br 4 (;@9;)
                            end
                            local.get 10
                            local.get 2
                            i32.add
                            local.set 5
                            br 3 (;@9;)
                          end
                          local.get 10
                          local.get 2
                          i32.sub
                          local.set 5
                          br 2 (;@9;)
                        end
                        local.get 10
                        local.get 2
                        i32.mul
                        local.set 5
                        br 1 (;@9;)
                      end
                      i32.const 0
                      local.set 5
                      block  ;; label = @10
                        block  ;; label = @11
                          local.get 2
                          i32.const 1
                          i32.add
                          br_table 2 (;@9;) 0 (;@11;) 1 (;@10;)
                        end
                        i32.const 1050516
                        call $_RNvNtNtCsgXGp5Oqx2Ny_4core9panicking11panic_const23panic_const_rem_by_zero
                        unreachable
                      end
                      local.get 10
                      local.get 2
                      i32.rem_s
                      local.set 5
                    end
                    local.get 8
                    local.get 5
                    i32.store
                    local.get 6
                    local.set 2
                    local.get 7
                    local.set 5
                    br 5 (;@3;)
                  end
                  local.get 1
                  i32.const 16
                  i32.add
                  local.get 8
                  i32.const 2
                  i32.shl
                  i32.add
                  local.get 1
                  i32.const 32
                  i32.add
                  local.get 5
                  i32.const 2
                  i32.shl
                  i32.add
                  i32.load
                  i32.store
                  br 3 (;@4;)
                end
                local.get 1
                i32.const 32
                i32.add
                local.get 5
                i32.const 2
                i32.shl
                i32.add
                local.get 1
                i32.const 16
                i32.add
                local.get 8
                i32.const 2
                i32.shl
                i32.add
                i32.load
                i32.store
                br 1 (;@5;)
              end
              local.get 1
              i32.const 32
              i32.add
              local.get 5
              i32.const 2
              i32.shl
              i32.add
              local.get 7
              i32.load offset=4
              i32.store
            end
            local.get 5
            i32.const 1
            i32.add
            local.set 5
          end
          local.get 6
          local.set 2
        end
        local.get 2
        local.get 3
        i32.lt_u
        br_if 0 (;@2;)
      end
    end
    local.get 2
    local.get 3
    i32.const 1050388
    call $_RNvNtCsgXGp5Oqx2Ny_4core9panicking18panic_bounds_check
    unreachable)
)
