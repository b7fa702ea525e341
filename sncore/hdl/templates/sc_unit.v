// Stochastic-computing building blocks (Verilog-2005), bit-identical to sncore.sc:
//   sc_cmp    comparator bitstream generator: bit = (r <= T) (LE = 1, the LFSR rule of
//             sncore.sc.lfsr_encode) or bit = (r < T) (LE = 0, the Sobol rule of sobol_encode;
//             T has one extra bit so that T = 2^WIDTH gives all ones)
//   sc_and    unipolar multiply a & b                     (sncore.sc.mul)
//   sc_xnor   bipolar multiply ~(a ^ b)                   (sncore.sc.mul_bipolar)
//   sc_mux    scaled add: sel ? b : a                     (sncore.sc.mux_add)
//   sc_apc    accumulative parallel counter: cnt = popcount(bits) this cycle (sncore.sc.apc),
//             total += cnt on every enabled clock          (sncore.sc.apc_total)
//   sc_dense  SC dense layer with APC accumulation: out i counts sum_j z_ij over the enabled
//             clocks, z_ij = x_j & w_ij (BIPOLAR = 0) or ~(x_j ^ w_ij) (BIPOLAR = 1); w is
//             row-major [N_OUT][N_IN] (bit i*N_IN + j) -- the integer count c_i of sncore.sc.SCDense
// Counters wrap at 2^CW; choose CW >= bits of N * L.
`default_nettype none
/* verilator lint_off DECLFILENAME */

module sc_cmp #(parameter WIDTH = 16, parameter LE = 1) (
    input  wire [WIDTH-1:0] r,
    input  wire [WIDTH:0]   threshold,
    output wire             bit_out
);
    assign bit_out = (LE != 0) ? ({1'b0, r} <= threshold) : ({1'b0, r} < threshold);
endmodule

module sc_and (input wire a, input wire b, output wire y);
    assign y = a & b;
endmodule

module sc_xnor (input wire a, input wire b, output wire y);
    assign y = ~(a ^ b);
endmodule

module sc_mux (input wire a, input wire b, input wire sel, output wire y);
    assign y = sel ? b : a;
endmodule

module sc_apc #(parameter N = 4, parameter NW = 3, parameter CW = 16) (
    input  wire          clk,
    input  wire          rst,
    input  wire          en,
    input  wire [N-1:0]  bits,
    output reg  [NW-1:0] cnt,
    output reg  [CW-1:0] total
);
    integer k;
    always @(*) begin
        cnt = {NW{1'b0}};
        for (k = 0; k < N; k = k + 1)
            cnt = cnt + {{(NW - 1){1'b0}}, bits[k]};
    end
    always @(posedge clk) begin
        if (rst) total <= {CW{1'b0}};
        else if (en) total <= total + {{(CW - NW){1'b0}}, cnt};
    end
endmodule

module sc_dense #(parameter N_IN = 2, parameter N_OUT = 2, parameter BIPOLAR = 0, parameter NW = 2,
                  parameter CW = 16) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire                   en,
    input  wire [N_IN-1:0]        x,
    input  wire [N_OUT*N_IN-1:0]  w,
    output wire [N_OUT*CW-1:0]    counts
);
    genvar i;
    generate
        for (i = 0; i < N_OUT; i = i + 1) begin : row
            wire [N_IN-1:0] wi = w[i * N_IN +: N_IN];
            wire [N_IN-1:0] z = (BIPOLAR != 0) ? ~(x ^ wi) : (x & wi);
            /* verilator lint_off UNUSEDSIGNAL */
            wire [NW-1:0] unused_cnt;
            /* verilator lint_on UNUSEDSIGNAL */
            sc_apc #(.N(N_IN), .NW(NW), .CW(CW)) apc (.clk(clk), .rst(rst), .en(en), .bits(z),
                                                      .cnt(unused_cnt), .total(counts[i * CW +: CW]));
        end
    endgenerate
endmodule

/* verilator lint_on DECLFILENAME */
`default_nettype wire
