// LFSR bitstream source (Verilog-2005), bit-identical to sncore.sc.lfsr_sequence / lfsr_encode.
// Parameters come from sncore.sc.LfsrSpec.rtl_params():
//   fibonacci/right: s' = {^(s & TAP_MASK), s[W-1:1]}
//   fibonacci/left : s' = {s[W-2:0], ^(s & TAP_MASK)}
//   galois/right   : s' = (s >> 1) ^ (s[0]   ? TAP_MASK : 0)
//   galois/left    : s' = (s << 1) ^ (s[W-1] ? TAP_MASK : 0)
// `state` is what the comparator sees in this cycle (s_t): after reset s_0 = SEED
// (ADVANCE_BEFORE = 0) or step(SEED) (ADVANCE_BEFORE = 1); each enabled clock applies LEAP steps,
// s_{t+1} = step^LEAP(s_t) (LEAP = 1: one step; the state after t enables is
// lfsr_sequence(spec, LEAP t + 1)[LEAP t]; the LEAP-fold step is one XOR network).
// bit_out = (state <= threshold).
`default_nettype none

module lfsr #(
    parameter WIDTH = 16,
    parameter [WIDTH-1:0] TAP_MASK = 16'hb400,
    parameter [WIDTH-1:0] SEED = 16'h0001,
    parameter GALOIS = 0,
    parameter SHIFT_RIGHT = 1,
    parameter ADVANCE_BEFORE = 0,
    parameter LEAP = 1
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             en,
    input  wire [WIDTH-1:0] threshold,
    output reg  [WIDTH-1:0] state,
    output wire             bit_out
);
    function [WIDTH-1:0] step;
        input [WIDTH-1:0] s;
        begin
            if (GALOIS == 0 && SHIFT_RIGHT != 0)
                step = {^(s & TAP_MASK), s[WIDTH-1:1]};
            else if (GALOIS == 0)
                step = {s[WIDTH-2:0], ^(s & TAP_MASK)};
            else if (SHIFT_RIGHT != 0)
                step = {1'b0, s[WIDTH-1:1]} ^ (TAP_MASK & {WIDTH{s[0]}});
            else
                step = {s[WIDTH-2:0], 1'b0} ^ (TAP_MASK & {WIDTH{s[WIDTH-1]}});
        end
    endfunction

    function [WIDTH-1:0] leap;
        input [WIDTH-1:0] s;
        integer k;
        begin
            leap = s;
            for (k = 0; k < LEAP; k = k + 1)
                leap = step(leap);
        end
    endfunction

    localparam [WIDTH-1:0] S0 = (ADVANCE_BEFORE != 0) ? step(SEED) : SEED;

    always @(posedge clk) begin
        if (rst) state <= S0;
        else if (en) state <= leap(state);
    end

    assign bit_out = (state <= threshold);
endmodule

`default_nettype wire
