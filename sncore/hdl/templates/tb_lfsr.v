// Testbench for the generated lfsr_top: writes the state seen in each of T cycles (hex, one
// per line) and the comparator bit to lfsr_out.txt; sampled on the falling edge.
`timescale 1ns/1ps
`default_nettype none

/* verilator lint_off DECLFILENAME */
module tb;
    parameter WIDTH = 16, T = 100;
    reg clk = 1'b0, rst = 1'b1;
    wire [WIDTH-1:0] state;
    wire bit_out;
    integer t, fd;

    lfsr_top dut (.clk(clk), .rst(rst), .en(!rst), .state(state), .bit_out(bit_out));

    always #5 clk <= ~clk;

    initial begin
        fd = $fopen("lfsr_out.txt", "w");
        @(negedge clk);
        rst = 1'b0;
        for (t = 0; t < T; t = t + 1) begin
            $fwrite(fd, "%h %0d\n", state, bit_out);
            @(negedge clk);
        end
        $fclose(fd);
        $finish;
    end
endmodule

`default_nettype wire
