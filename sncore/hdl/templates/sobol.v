// Sobol low-discrepancy source (Verilog-2005), bit-identical to sncore.sc.sobol_sequence.
// Gray-code construction, incremental form: with g(i) = i ^ (i >> 1), point i is
//   x_i = XOR_{k >= 1} g_{k-1}(i) v_k           (v_k = direction numbers, sncore.sc.direction_numbers)
// and since g(i+1) = g(i) ^ 2^ctz(i+1), each clock needs one XOR:
//   x_{i+1} = x_i ^ v_{ctz(i+1)+1}               (ctz(0) := 31 at the 2^32 wrap, giving x = 0 again)
// DIRS packs v_1..v_32 (v_k in bits [32k-1:32(k-1)]); sncore.hdl.sc.sobol_params() writes it.
// After reset the source holds point START (x_START computed at elaboration); each enabled
// clock moves to the next point.  r = x >> (32 - WIDTH) is the WIDTH-bit random number the
// comparator (sc_cmp, rule r < T) sees.
`default_nettype none

module sobol #(
    parameter WIDTH = 16,
    parameter [1023:0] DIRS = {32{32'h0}},
    parameter [31:0] START = 32'h0
) (
    input  wire             clk,
    input  wire             rst,
    input  wire             en,
    output reg  [31:0]      x,
    output reg  [31:0]      idx,
    output wire [WIDTH-1:0] r
);
    function [4:0] ctz;
        input [31:0] a;
        integer k;
        reg found;
        begin
            ctz = 5'd31;
            found = 1'b0;
            for (k = 0; k < 32; k = k + 1)
                if (!found && a[k]) begin
                    ctz = k[4:0];
                    found = 1'b1;
                end
        end
    endfunction

    function [31:0] point;
        input [31:0] i;
        reg [31:0] g;
        integer k;
        begin
            g = i ^ {1'b0, i[31:1]};
            point = 32'h0;
            for (k = 0; k < 32; k = k + 1)
                if (g[k]) point = point ^ DIRS[32 * k +: 32];
        end
    endfunction

    localparam [31:0] X0 = point(START);

    wire [31:0] nxt = idx + 32'd1;
    wire [4:0] c = ctz(nxt);
    wire [31:0] v = DIRS[{c, 5'd0} +: 32];

    always @(posedge clk) begin
        if (rst) begin
            x <= X0;
            idx <= START;
        end else if (en) begin
            x <= x ^ v;
            idx <= nxt;
        end
    end

    assign r = x[31:32-WIDTH];
endmodule

`default_nettype wire
